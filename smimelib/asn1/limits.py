"""Decoding limits (../THREATS section 4.4): every limit is explicit and configurable.

Hostile ASN.1 has broken every decoder that trusted it: deep nesting
(CVE-2018-0739), huge declared lengths (CVE-2016-2109), OID arcs
(CVE-2023-2650) and long-form tag numbers (pyasn1 CVE-2026-59884). smimelib
checks these bounds itself, before pyasn1 sees the data, and raises
:class:`smimelib.errors.LimitExceeded` with the byte offset.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource bounds applied while decoding untrusted input.

    The defaults are generous for real mail and tight for attacks.
    """

    #: largest input accepted as one DER/BER object (bytes)
    max_input_size: int = 64 * 1024 * 1024
    #: deepest nesting of constructed elements
    max_depth: int = 64
    #: most elements directly inside one constructed element (SET OF, SEQUENCE OF)
    max_elements: int = 10_000
    #: most arcs in one OBJECT IDENTIFIER
    max_oid_arcs: int = 64
    #: most octets encoding one OID arc
    max_oid_arc_octets: int = 20
    #: most octets encoding a high tag number
    max_tag_octets: int = 4
    #: most octets of a length field after the initial octet (8 covers 2^64)
    max_length_octets: int = 8
    #: most content octets of an INTEGER outside key material
    max_integer_octets: int = 64
    #: most content octets of an INTEGER that is key material or a signature value
    max_key_integer_octets: int = 2048

    def replace(self, **changes: int) -> Limits:
        """Return a copy with some limits changed."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return Limits(**values)


DEFAULT_LIMITS = Limits()
