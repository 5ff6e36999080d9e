"""Certificates, keys, PKCS#12, identities and a certificate builder (RFC 5280)."""
