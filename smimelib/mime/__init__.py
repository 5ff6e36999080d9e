"""S/MIME at the MIME level (RFC 8551 section 3), on raw bytes and the stdlib ``email``.

* :mod:`smimelib.mime.limits` -- :class:`MimeLimits` and :func:`prescan`, run before any
  MIME parser (THREATS 4.2/4.4);
* :mod:`smimelib.mime.rawparse` -- :func:`parse_raw`: a byte-exact MIME splitter whose
  :class:`RawEntity` values keep each part's received bytes, offset and path;
* :mod:`smimelib.mime.canonical` -- :func:`canonicalize`, :func:`prepare_for_signing`
  (RFC 8551 3.1);
* :mod:`smimelib.mime.smime_types` -- :func:`classify` S/MIME parts, ``micalg`` names;
* :mod:`smimelib.mime.wrap` -- :func:`multipart_signed`, :func:`pkcs7_mime`, base64,
  :func:`decode_body`, header helpers.
"""

from __future__ import annotations

from smimelib.mime.canonical import (
    SIGNING_POLICY,
    binary_entity,
    canonicalize,
    prepare_for_signing,
    verification_candidates,
)
from smimelib.mime.limits import DEFAULT_MIME_LIMITS, MimeLimits, parse_content_type, prescan
from smimelib.mime.rawparse import RawEntity, parse_raw, to_email_message
from smimelib.mime.smime_types import (
    SIGNATURE_PROTOCOLS,
    SmimeKind,
    classify,
    micalg_for,
    parse_micalg,
    signed_protocol_ok,
)
from smimelib.mime.wrap import (
    decode_body,
    encode_base64,
    encode_base64_stream,
    fold_header,
    multipart_signed,
    pkcs7_mime,
    pkcs7_mime_stream,
    split_headers,
)

__all__ = [
    "DEFAULT_MIME_LIMITS",
    "SIGNATURE_PROTOCOLS",
    "SIGNING_POLICY",
    "MimeLimits",
    "RawEntity",
    "SmimeKind",
    "binary_entity",
    "canonicalize",
    "classify",
    "decode_body",
    "encode_base64",
    "encode_base64_stream",
    "fold_header",
    "micalg_for",
    "multipart_signed",
    "parse_content_type",
    "parse_micalg",
    "parse_raw",
    "pkcs7_mime",
    "pkcs7_mime_stream",
    "prepare_for_signing",
    "prescan",
    "signed_protocol_ok",
    "split_headers",
    "to_email_message",
    "verification_candidates",
]
