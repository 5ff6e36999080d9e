"""AlgorithmIdentifier as a frozen value (RFC 5280 section 4.1.1.2).

::

    AlgorithmIdentifier ::= SEQUENCE {
        algorithm   OBJECT IDENTIFIER,
        parameters  ANY DEFINED BY algorithm OPTIONAL }

Absent parameters and NULL parameters are different encodings and several
RFCs prescribe one or the other (RFC 3370 section 2.1, RFC 4055 section 2.1,
RFC 5754 section 2, RFC 8419 section 2.1), so ``parameters`` keeps the exact
DER of the parameters element: ``None`` when absent, ``b"\\x05\\x00"`` for NULL.
"""

from __future__ import annotations

from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.errors import DecodeError

__all__ = ["NULL", "AlgorithmIdentifier"]

NULL = b"\x05\x00"


@dataclass(frozen=True, slots=True)
class AlgorithmIdentifier:
    """An algorithm OID with the exact DER of its parameters (``None`` = absent)."""

    oid: str
    parameters: bytes | None = None

    @property
    def has_null_parameters(self) -> bool:
        return self.parameters == NULL

    @property
    def parameters_absent_or_null(self) -> bool:
        return self.parameters is None or self.parameters == NULL

    def to_der(self) -> bytes:
        """DER encoding of the whole AlgorithmIdentifier SEQUENCE."""
        body = der.encode_oid(self.oid) + (self.parameters or b"")
        return der.sequence(body)

    @classmethod
    def from_der(cls, data: bytes, *, base_offset: int = 0) -> AlgorithmIdentifier:
        """Parse one AlgorithmIdentifier; trailing data is an error."""
        elem = tlv.parse_one(data, base_offset=base_offset, what="AlgorithmIdentifier")
        return cls.from_element(elem)

    @classmethod
    def from_element(cls, elem: tlv.Element) -> AlgorithmIdentifier:
        """Build from an already parsed SEQUENCE element (keeps the parameters' bytes)."""
        if elem.tag != tlv.Tag.SEQUENCE:
            raise DecodeError("AlgorithmIdentifier is not a SEQUENCE", offset=elem.offset)
        children = elem.children()
        if not children or len(children) > 2:
            raise DecodeError(
                f"AlgorithmIdentifier has {len(children)} elements (expected 1 or 2)",
                offset=elem.offset,
            )
        oid = children[0].as_oid()
        params = children[1].raw if len(children) == 2 else None
        return cls(oid, params)

    def __str__(self) -> str:
        from smimelib.asn1.oids import name_of

        return f"{name_of(self.oid)} ({self.oid})"
