"""CMS (RFC 5652) content types as immutable values: SignedData, ... (M2, M3)."""
