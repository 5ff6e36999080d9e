"""ASN.1 codecs: TLV reader, DER writer, pyasn1 glue, OID names, limits (X.690)."""
