"""Algorithm registry and primitives over pycryptodome."""
