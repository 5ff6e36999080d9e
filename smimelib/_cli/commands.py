"""``smime sign``, ``verify``, ``encrypt`` and ``decrypt`` (DESIGN "command line contract").

Each returns the exit status: 0 success, 1 verification failed or untrusted; errors
(usage, malformed input, no key) are raised as smimelib errors and mapped by
:func:`smimelib.cli.main`.
"""

from __future__ import annotations

import argparse
import email.policy
import sys
from email.message import EmailMessage

from smimelib import cms
from smimelib._cli.io import (
    cms_in,
    cms_out,
    decryption_keys,
    kek_recipient,
    load_identity,
    password_recipient,
    read_certs,
    read_file,
    read_input,
    write_output,
)
from smimelib._cli.trustopts import TrustOptions, trust_options
from smimelib._message.recipients import check_recipients
from smimelib._message.signers import SignerJudge
from smimelib.cms import KeyTransRecipient, Recipient
from smimelib.crypto import KeyType
from smimelib.errors import DecodeError, UsageError
from smimelib.message import encrypt as encrypt_message
from smimelib.message import open as open_message
from smimelib.message import sign_to_bytes
from smimelib.mime import SmimeKind, classify, decode_body, parse_raw
from smimelib.pki import Certificate
from smimelib.report import SignatureReport

__all__ = ["cmd_decrypt", "cmd_encrypt", "cmd_sign", "cmd_verify"]


def _smtp_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=email.policy.SMTP)


def _as_entity(data: bytes, inform: str) -> bytes:
    """Raw bytes (``--inform binary``) become an application/octet-stream MIME entity."""
    if inform == "mime":
        return data
    msg = EmailMessage()
    msg.set_content(data, maintype="application", subtype="octet-stream")
    return _smtp_bytes(msg)


def cmd_sign(args: argparse.Namespace) -> int:
    """Sign (RFC 8551 3.5 for MIME output, RFC 5652 section 5 for raw CMS output)."""
    if args.inform not in ("mime", "binary"):
        raise UsageError("sign reads --inform mime or binary")
    ident = load_identity(args)
    assert ident is not None
    signer = cms.Signer(ident.key, ident.certificate, ident.chain, digest=args.digest, pss=args.pss)
    data = read_input(args)
    if args.outform == "mime":
        if args.detached:
            raise UsageError("--detached applies to raw CMS (--outform der or pem)")
        out = sign_to_bytes(
            _as_entity(data, args.inform),
            ident,
            opaque=args.opaque,
            digest=args.digest,
            pss=args.pss,
            include_certificates=not args.no_certs,
        )
    else:
        if args.opaque:
            raise UsageError("--opaque applies to MIME output (--outform mime)")
        der = cms.sign(
            data,
            [signer],
            detached=args.detached,
            include_certificates=not args.no_certs,
            include_chain=not args.no_certs,
        )
        out = cms_out(der, args.outform)
    write_output(args, out)
    return 0


def _verify_mime(opts: TrustOptions, data: bytes) -> tuple[bool, bytes, list[str]]:
    report = open_message(
        data,
        trust=opts.store,
        certificates=opts.certificates,
        validation=opts.policy,
        validation_time=opts.at,
    )
    problems: list[str] = []
    for layer in report.layers:
        problems.extend(f"layer {layer.depth}: {p}" for p in layer.problems)
    if not report.signed:
        problems.append("the message carries no signature over the whole message")
    for i, sig in enumerate(report.covering):
        if not sig.valid:
            problems.append(f"signature {i}: invalid: {sig.reason}: {sig.result.detail}")
            continue
        if opts.store is not None:
            problems.extend(_trust_problem(i, sig))
    problems.extend(str(f) for f in report.findings if f.code == "root-not-signed")
    return not problems, report.content_bytes, problems


def _trust_problem(index: int, sig: SignatureReport) -> list[str]:
    if sig.trust is None:
        return [f"signature {index}: not trusted: no signer certificate"]
    if not sig.trust.trusted:
        why = sig.trust.reason or sig.trust.status.description
        return [f"signature {index}: not trusted ({sig.trust.status.value}): {why}"]
    return []


def _verify_cms(
    args: argparse.Namespace, opts: TrustOptions, data: bytes
) -> tuple[bool, bytes, list[str]]:
    der = cms_in(data, args.inform)
    content = read_file(args.content, "content file") if args.content is not None else None
    result = cms.verify_signed_data(der, content=content, certificates=opts.certificates)
    problems: list[str] = []
    if not result.signers:
        problems.append("the SignedData has no signers")
    judge = SignerJudge(
        trust=opts.store,
        policy=opts.policy,
        certificates=opts.certificates,
        validation_time=opts.at,
        sender=None,
    )
    for i, sig in enumerate(judge.reports(result, 0, "/")):
        if not sig.result.all_valid:
            problems.append(f"signature {i}: invalid: {sig.result.describe()}")
        elif opts.store is not None:
            problems.extend(_trust_problem(i, sig))
    out = result.content if result.content is not None else (content or b"")
    return not problems, out, problems


def cmd_verify(args: argparse.Namespace) -> int:
    """Verify every signature; write the signed content (RFC 8551 3.5, RFC 5652 5.6).

    Signer certificates are validated (RFC 5280 section 6, RFC 8550 4.4) against the
    ``--trust`` / ``--system-trust`` anchors with the ``--crl`` / ``--ocsp`` revocation
    data and the message's own CRLs, unless ``--no-trust-check``.
    """
    if args.content is not None and args.inform == "mime":
        raise UsageError("--content applies to detached raw CMS (--inform der or pem)")
    opts = trust_options(args)
    data = read_input(args)
    if args.inform == "mime":
        ok, content, problems = _verify_mime(opts, data)
    else:
        ok, content, problems = _verify_cms(args, opts, data)
    for line in problems:
        print(f"smime: verification failed: {line}", file=sys.stderr)
    if not ok:
        return 1
    write_output(args, content)
    print("smime: verification successful", file=sys.stderr)
    return 0


def _recipients(args: argparse.Namespace) -> list[Certificate | Recipient]:
    out: list[Certificate | Recipient] = []
    for path in args.recipient or ():
        for cert in read_certs(path, "recipient certificate")[:1]:
            if args.oaep and cert.public_key.type is KeyType.RSA:
                out.append(KeyTransRecipient(cert, oaep=True))
            else:
                out.append(cert)
    if args.password_file is not None:
        out.append(password_recipient(args))
    if args.kek_file is not None or args.kek_id is not None:
        out.append(kek_recipient(args))
    if not out:
        raise UsageError("no recipient: give --recipient CERT, --password-file or --kek-file")
    return out


def cmd_encrypt(args: argparse.Namespace) -> int:
    """Encrypt (RFC 8551 3.3 for MIME output; RFC 5652 6 / RFC 5083 for raw CMS).

    Recipient certificates that may not encrypt (RFC 8550 4.4.2, 4.4.4) are refused;
    with ``--trust`` / ``--system-trust`` so are those whose path does not validate.
    """
    if args.inform not in ("mime", "binary"):
        raise UsageError("encrypt reads --inform mime or binary")
    recipients = _recipients(args)
    opts = trust_options(args, required=False)
    data = read_input(args)
    if args.outform == "mime":
        sealed = encrypt_message(
            _as_entity(data, args.inform),
            recipients,
            cipher=args.cipher,
            trust=opts.store,
            validation=opts.policy,
            certificates=opts.certificates,
        )
        out = _smtp_bytes(sealed)
    else:
        check_recipients(
            recipients, trust=opts.store, policy=opts.policy, certificates=opts.certificates
        )
        out = cms_out(cms.encrypt(data, recipients, cipher=args.cipher), args.outform)
    write_output(args, out)
    return 0


def _mime_cms(data: bytes) -> bytes:
    root = parse_raw(data)
    kind = classify(root.content_type, root.params, root.filename)
    if kind not in (
        SmimeKind.ENVELOPED_DATA,
        SmimeKind.AUTH_ENVELOPED_DATA,
        SmimeKind.PKCS7_MIME_UNKNOWN,
    ):
        raise DecodeError(
            f"the message is {root.content_type}, not an encrypted application/pkcs7-mime",
            offset=root.offset,
        )
    return decode_body(root)


def cmd_decrypt(args: argparse.Namespace) -> int:
    """Decrypt one encryption layer (RFC 5652 6 and 8, RFC 5083; RFC 8551 3.3)."""
    keys = decryption_keys(args)
    if not keys:
        raise UsageError(
            "a key is needed: --cert C --key K, --identity P12, --password-file or --kek-file"
        )
    data = read_input(args)
    der = _mime_cms(data) if args.inform == "mime" else cms_in(data, args.inform)
    result = cms.decrypt(der, keys)
    write_output(args, result.content or b"")
    return 0
