"""Countersignatures (RFC 5652 section 11.4): sign an existing signature, in serial.

::

    id-countersignature OBJECT IDENTIFIER ::= { iso(1) member-body(2)
        us(840) rsadsi(113549) pkcs(1) pkcs9(9) 6 }

    Countersignature ::= SignerInfo

A countersignature is a SignerInfo in an unsigned ``id-countersignature``
attribute of the SignerInfo it countersigns. Its message digest is computed
over the contents octets of that SignerInfo's ``signature`` OCTET STRING; its
signed attributes carry message-digest and (by default) signing-time,
signingCertificateV2 and CMSAlgorithmProtection, never content-type (11.4
item 1). SMIMECapabilities and SMIMEEncryptionKeyPreference describe the
message signer (RFC 8551 2.5.2, 2.5.3) and are not written. A countersignature
may itself be countersigned (``path``).

Editing a received message: the new countersignature is added as a new
``id-countersignature`` attribute at the end of the target's unsigned
attributes (creating them when absent), and the countersigner's certificate is
appended to ``certificates`` unless present (``include_certificate``).
Existing attributes, the signed content, the certificates already there, the
CRLs and every other SignerInfo keep their received octets. Only the elements
that contain the change are re-encoded, around their unchanged components: the
target SignerInfo, its enclosing attribute structures up to the top-level
SignerInfo, the ``signerInfos`` SET, ``certificates`` when a certificate is
added, SignedData, ``[0]`` and ContentInfo. Those re-encoded elements get
definite lengths even when they were received with indefinite lengths (BER);
the indefinite-length content inside them is kept as received.

Order: the members of the re-encoded SETs (``signerInfos``, unsigned attributes,
attribute values) stay where they were received and the new attribute comes
last, so ``signer_index`` and ``path`` keep naming the same SignerInfos from one
call to the next (a new countersignature is always the last of its SignerInfo).
DER would sort these SETs (X.690 11.6); RFC 5652 requires DER only for signed
attributes (5.3), and re-sorting would move what the caller's indexes point
at, so the output is DER except, possibly, for the order of those SETs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smimelib.asn1 import der, tlv
from smimelib.asn1.limits import DEFAULT_LIMITS, Limits
from smimelib.cms._signer import Signer, build_signer_info, check_countersigner
from smimelib.cms.attributes import OID_COUNTERSIGNATURE
from smimelib.cms.certsets import encode_certificate_set
from smimelib.cms.content_info import ID_SIGNED_DATA, load_cms
from smimelib.crypto.digests import digest_spec
from smimelib.errors import DecodeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.pki.pem import pem_encode

__all__ = ["add_countersignature"]

_CTX0 = tlv.Tag.context(0, True)
_CTX1 = tlv.Tag.context(1, True)


@dataclass(frozen=True, slots=True)
class _Step:
    """One enclosing element on the way to the target, and which child leads on."""

    element: tlv.Element
    index: int


def add_countersignature(
    signed_data: bytes,
    countersigner: Signer,
    *,
    signer_index: int = 0,
    path: Sequence[int] = (),
    include_certificate: bool = True,
    include_chain: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """Countersign one SignerInfo of a SignedData (RFC 5652 section 11.4).

    :param signed_data: a ContentInfo holding a SignedData (DER, BER or PEM).
    :param countersigner: who countersigns; ``encryption_key_preference`` is refused,
        ``smime_capabilities`` is ignored (module docstring).
    :param signer_index: which top-level SignerInfo, in received order.
    :param path: to countersign a countersignature: the index of a countersignature of
        that SignerInfo (counting every ``id-countersignature`` value in received
        order), then of one of its countersignatures, and so on.
    :param include_certificate: add the countersigner's certificate to the SignedData
        ``certificates`` (at the end, unless it is there already), so that recipients
        can verify the countersignature.
    :param include_chain: add the countersigner's chain too.
    :param limits: decoding limits for ``signed_data``.
    :returns: the ContentInfo with the countersignature added; PEM (label ``CMS``) when
        the input was PEM, else DER/BER as described in the module docstring.
    :raises DecodeError: ``signed_data`` is not a well-formed SignedData ContentInfo.
    :raises UsageError: no SignerInfo at ``signer_index`` / ``path``, or a countersigner
        option that a countersignature cannot carry.
    :raises PolicyError: a weak algorithm or key, as for :func:`smimelib.cms.signing.sign`.
    """
    if not isinstance(countersigner, Signer):
        raise UsageError(f"countersigner must be a Signer, not {type(countersigner).__name__}")
    check_countersigner(countersigner)
    if not isinstance(signed_data, bytes | bytearray | memoryview):
        raise UsageError(f"signed_data must be bytes, not {type(signed_data).__name__}")
    data = load_cms(signed_data)
    was_pem = bytes(signed_data[:1]) != b"\x30"
    root = tlv.parse_one(data, limits=limits, what="ContentInfo")
    steps, target = _locate(root, signer_index, tuple(path))
    signature = _signature_octets(target)
    spec = digest_spec(countersigner.digest_algorithm)
    h = spec.new()
    h.update(signature)
    counter = build_signer_info(countersigner, None, digest=h.digest(), data=signature)
    attribute = der.sequence(der.encode_oid(OID_COUNTERSIGNATURE), der.set_of([counter]))
    replacement = _with_unsigned_attribute(target, attribute)
    for step in reversed(steps[3:]):
        replacement = _replace_child(step, replacement)
    certs: list[Certificate] = []
    if include_certificate:
        certs.append(countersigner.certificate)
    if include_chain:
        certs.extend(countersigner.chain)
    replacement = _signed_data_with(steps[2], replacement, certs)
    for step in reversed(steps[:2]):
        replacement = _replace_child(step, replacement)
    return pem_encode("CMS", replacement) if was_pem else replacement


# -- finding the target ----------------------------------------------------------------------


def _locate(
    root: tlv.Element, signer_index: int, path: tuple[int, ...]
) -> tuple[list[_Step], tlv.Element]:
    if root.tag != tlv.Tag.SEQUENCE:
        raise DecodeError("ContentInfo is not a SEQUENCE (RFC 5652 3)", offset=root.offset)
    top = root.children()
    if len(top) != 2 or top[1].tag != _CTX0:
        raise DecodeError("ContentInfo needs contentType and [0] content", offset=root.offset)
    if top[0].as_oid() != ID_SIGNED_DATA:
        raise DecodeError(
            f"ContentInfo holds {top[0].as_oid()}, not id-signedData", offset=top[0].offset
        )
    wrapper = top[1].children()
    if len(wrapper) != 1 or wrapper[0].tag != tlv.Tag.SEQUENCE:
        raise DecodeError("[0] content is not one SignedData SEQUENCE", offset=top[1].offset)
    signed = wrapper[0]
    fields = signed.children()
    if len(fields) < 4 or fields[-1].tag != tlv.Tag.SET:
        raise DecodeError("SignedData does not end with the signerInfos SET", offset=signed.offset)
    infos = fields[-1].children()
    if isinstance(signer_index, bool) or not 0 <= signer_index < len(infos):
        raise UsageError(
            f"signer_index {signer_index} is out of range: the SignedData has "
            f"{len(infos)} SignerInfo(s)"
        )
    steps = [
        _Step(root, 1),
        _Step(top[1], 0),
        _Step(signed, len(fields) - 1),
        _Step(fields[-1], signer_index),
    ]
    current = infos[signer_index]
    for depth, wanted in enumerate(path):
        current = _descend(current, wanted, depth, steps)
    return steps, current


def _descend(info: tlv.Element, wanted: int, depth: int, steps: list[_Step]) -> tlv.Element:
    """Step from a SignerInfo into its ``wanted``-th countersignature."""
    children = _signer_info_children(info)
    found: list[tuple[_Step, _Step, _Step, tlv.Element]] = []
    if children[-1].tag == _CTX1:
        unsigned = children[-1]
        for a_index, attr in enumerate(unsigned.children()):
            parts = attr.children() if attr.tag == tlv.Tag.SEQUENCE else ()
            if len(parts) != 2 or parts[1].tag != tlv.Tag.SET:
                raise DecodeError("malformed unsigned attribute", offset=attr.offset)
            if parts[0].as_oid() != OID_COUNTERSIGNATURE:
                continue
            for v_index, value in enumerate(parts[1].children()):
                found.append(
                    (
                        _Step(unsigned, a_index),
                        _Step(attr, 1),
                        _Step(parts[1], v_index),
                        value,
                    )
                )
    if isinstance(wanted, bool) or not 0 <= wanted < len(found):
        raise UsageError(
            f"path[{depth}] = {wanted} is out of range: that SignerInfo has "
            f"{len(found)} countersignature(s)"
        )
    unsigned_step, attr_step, values_step, value = found[wanted]
    steps += [
        _Step(info, len(children) - 1),
        unsigned_step,
        attr_step,
        values_step,
    ]
    return value


def _signer_info_children(info: tlv.Element) -> tuple[tlv.Element, ...]:
    if info.tag != tlv.Tag.SEQUENCE:
        raise DecodeError("SignerInfo is not a SEQUENCE (RFC 5652 5.3)", offset=info.offset)
    children = info.children()
    if len(children) < 5 or children[0].tag != tlv.Tag.INTEGER:
        raise DecodeError("malformed SignerInfo (RFC 5652 5.3)", offset=info.offset)
    return children


def _signature_octets(info: tlv.Element) -> bytes:
    """The contents octets of the SignerInfo's ``signature`` OCTET STRING (RFC 5652 11.4)."""
    children = _signer_info_children(info)
    # version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature
    index = 4 if children[3].tag == _CTX0 else 3
    if index + 1 >= len(children) or children[index + 1].tag.number != 4:
        raise DecodeError("SignerInfo has no signature OCTET STRING", offset=info.offset)
    return children[index + 1].as_octets()


# -- re-encoding around the change -----------------------------------------------------------


def _with_unsigned_attribute(info: tlv.Element, attribute: bytes) -> bytes:
    """The SignerInfo with ``attribute`` added to its unsignedAttrs [1] (created if absent)."""
    children = [c.raw for c in _signer_info_children(info)]
    last = info.children()[-1]
    if last.tag == _CTX1:
        members = [m.raw for m in last.children()]
        children[-1] = _encode(last.tag, [*members, attribute])
    else:
        children.append(der.implicit(1, der.set_of([attribute])))
    return _encode(info.tag, children)


def _signed_data_with(step: _Step, signer_infos: bytes, certs: list[Certificate]) -> bytes:
    """SignedData with new ``signerInfos`` and ``certs`` appended to ``certificates`` [0]."""
    fields = step.element.children()
    members = [c.raw for c in fields]
    members[step.index] = signer_infos
    if fields[3].tag == _CTX0:
        present = [c.raw for c in fields[3].children()]
        added = [c.der for c in certs if c.der not in present]
        if added:
            members[3] = _encode(fields[3].tag, present + list(dict.fromkeys(added)))
    elif certs:
        members.insert(3, encode_certificate_set(certs, 0))
    return _encode(step.element.tag, members)


def _replace_child(step: _Step, new_child: bytes) -> bytes:
    members = [c.raw for c in step.element.children()]
    members[step.index] = new_child  # in place, also in a SET OF (module docstring)
    return _encode(step.element.tag, members)


def _encode(tag: tlv.Tag, members: list[bytes]) -> bytes:
    """A constructed element with definite length around ``members`` (X.690 8.1.3.3)."""
    return der.encode_tlv(tag, b"".join(members))
