"""ASN.1 codecs: TLV reader, DER writer, pyasn1 glue, OID names, limits (X.690).

* :mod:`smimelib.asn1.tlv` -- BER/DER reader over bytes that keeps every
  element's received octets (:func:`parse_one`, :func:`check`, :class:`Element`);
* :mod:`smimelib.asn1.stream` -- the sans-IO incremental reader (:class:`Reader`);
* :mod:`smimelib.asn1.der` -- DER (and indefinite-length BER) writer helpers;
* :mod:`smimelib.asn1.oids` -- OID names;
* :mod:`smimelib.asn1.codec` -- pyasn1 glue with limits and error mapping;
* :mod:`smimelib.asn1.limits` -- the decoding limits;
* :mod:`smimelib.asn1.algid` -- AlgorithmIdentifier values.
"""

from __future__ import annotations

from smimelib.asn1 import der, oids
from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.asn1.oids import describe, name_of, oid_of
from smimelib.asn1.stream import EOF, NEED_DATA, Data, End, Event, Header, Reader, iter_file
from smimelib.asn1.tlv import Element, Tag, TagClass, check, is_der, parse_one

__all__ = [
    "DEFAULT_LIMITS",
    "EOF",
    "NEED_DATA",
    "AlgorithmIdentifier",
    "Data",
    "Element",
    "End",
    "Event",
    "Header",
    "Limits",
    "Reader",
    "Tag",
    "TagClass",
    "check",
    "der",
    "describe",
    "is_der",
    "iter_file",
    "name_of",
    "oid_of",
    "oids",
    "parse_one",
]
