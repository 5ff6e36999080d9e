"""``smime open`` and ``smime demo``: the report, as text or JSON (RFC 8551 section 3)."""

from __future__ import annotations

import argparse
import datetime
import email.policy
import json
import sys
from email.message import EmailMessage
from typing import Any

from smimelib._cli.io import decryption_keys, read_input, write_output
from smimelib._cli.trustopts import trust_options
from smimelib.message import open as open_message
from smimelib.message import sign_and_encrypt
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.path_results import (
    RevocationOutcome,
    RevocationSource,
    TrustResult,
    UserNotice,
)
from smimelib.pki.trust import TrustStore
from smimelib.report import OpenedMessage, SignatureReport

__all__ = ["cmd_demo", "cmd_open", "report_json", "report_ok", "report_text", "validation_json"]


def report_ok(report: OpenedMessage, *, trust_checked: bool) -> bool:
    """The exit-0 judgement of the contract: every layer fine, signed, every covering
    signature valid, and trusted unless trust checking was switched off."""
    if not report.valid:
        return False
    if not trust_checked:
        return True
    return all(s.trusted is True and s.usage is None for s in report.covering)


def _time(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _source(source: RevocationSource) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "origin": source.origin,
        "issuer": source.issuer,
        "this_update": _time(source.this_update),
        "next_update": _time(source.next_update),
        "number": source.number,
        "used": source.used,
        "problem": source.problem,
    }


def _outcome(subject: str, outcome: RevocationOutcome) -> dict[str, Any]:
    return {
        "subject": subject,
        "state": outcome.state.value,
        "reason": None if outcome.reason is None else outcome.reason.name.lower(),
        "revocation_date": _time(outcome.revocation_date),
        "invalidity_date": _time(outcome.invalidity_date),
        "detail": outcome.detail,
    }


def validation_json(result: TrustResult) -> dict[str, Any]:
    """The ``"validation"`` object of one signature (RFC 5280 6.1.6 outputs, revocation)."""
    chain = [c.subject.rfc4514() for c in result.chain]
    return {
        "status": result.status.value,
        "reason": result.reason,
        "chain": chain,
        "failing_certificate": None
        if result.failing_certificate is None
        else result.failing_certificate.subject.rfc4514(),
        "revocation": [_source(s) for s in result.revocation_sources],
        # one outcome per certificate except the anchor, in chain order
        "revocation_status": [
            _outcome(subject, outcome)
            for subject, outcome in zip(chain, result.revocation, strict=False)
        ],
        "time": _time(result.validation_time),
        "time_source": result.time_source.value,
        "purpose": result.purpose.value,
        "user_constrained_policy_set": sorted(result.user_constrained_policy_set),
        "user_notices": [_notice_json(n) for n in result.user_notices],
        "findings": list(result.findings),
    }


def _notice_json(notice: UserNotice) -> dict[str, Any]:
    # RFC 5280 4.2.1.4 user notice of a policy of the user-constrained set
    return {
        "policy": notice.policy,
        "explicit_text": notice.explicit_text,
        "organization": notice.organization,
        "notice_numbers": list(notice.notice_numbers),
        "certificate": notice.subject,
    }


def _visible(text: str) -> str:
    # Notice texts come from certificates: never let them drive the terminal.
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _notice_line(notice: UserNotice) -> str:
    parts = []
    if notice.explicit_text is not None:
        parts.append(_visible(notice.explicit_text))
    if notice.organization is not None:
        numbers = ", ".join(str(n) for n in notice.notice_numbers)
        parts.append(f"[notice {numbers} of {_visible(notice.organization)}]")
    return f"  user notice ({notice.policy}, {_visible(notice.subject)}): {' '.join(parts)}"


def _signature(sig: SignatureReport) -> dict[str, Any]:
    signer = sig.signer
    return {
        "status": sig.status,
        "reason": sig.reason,
        "detail": sig.result.detail,
        "trusted": sig.trusted is True,
        "trust_reason": None if sig.trust is None else sig.trust.reason,
        "validation": None if sig.trust is None else validation_json(sig.trust),
        "usage": None
        if sig.usage is None
        else {"status": sig.usage[0].value, "reason": sig.usage[1]},
        "signer": None
        if signer is None
        else {
            "subject": signer.subject,
            "issuer": signer.issuer,
            "serial": signer.serial,
            "email": list(signer.emails),
        },
        "signing_time": _time(sig.signing_time),
        "covers": sig.covers,
        "layer": sig.layer,
        "sender_match": sig.sender_match,
        "sender_address": sig.sender_address,
    }


def report_json(report: OpenedMessage, *, ok: bool) -> dict[str, Any]:
    """The JSON object of ``smime open --json`` (keys fixed by the command line contract)."""
    return {
        "ok": ok,
        "valid": report.valid,
        "sender": report.sender,
        "layers": [
            {
                "type": layer.type.value,
                "depth": layer.depth,
                "path": layer.path,
                "form": layer.form,
                "algorithms": list(layer.algorithms),
                "integrity_protected": layer.integrity_protected,
                "problems": [str(p) for p in layer.problems],
            }
            for layer in report.layers
        ],
        "signatures": [_signature(s) for s in report.signatures],
        "findings": [
            {"code": f.code, "message": f.message, "rfc": f.rfc or None} for f in report.findings
        ],
        "problems": list(report.problems()),
    }


def _trust_lines(sig: SignatureReport) -> list[str]:
    result = sig.trust
    if result is None:
        return []
    lines = [f"  path: {result.status.value}" + (f": {result.reason}" if result.reason else "")]
    if result.chain:
        lines.append("  chain: " + " <- ".join(c.subject.rfc4514() for c in result.chain))
    when = _time(result.validation_time) or "now"
    lines.append(f"  validated at {when} ({result.time_source.value})")
    sources = result.revocation_sources
    if sources:
        used = sum(1 for s in sources if s.used)
        lines.append(f"  revocation: {len(sources)} source(s) consulted, {used} used")
    lines.extend(_notice_line(notice) for notice in result.user_notices)
    lines.extend(f"  note: {finding}" for finding in result.findings)
    return lines


def report_text(report: OpenedMessage, *, ok: bool) -> str:
    """The human report: layers, signatures, sender match, findings, the inner message."""
    lines = [f"status: {'ok' if ok else 'NOT ok'}"]
    for layer in report.layers:
        algs = ", ".join(layer.algorithms) or "-"
        extra = ""
        if layer.integrity_protected is not None:
            extra = "; integrity protected" if layer.integrity_protected else "; NOT integrity"
            extra += "" if layer.integrity_protected else " protected (EFAIL risk)"
        lines.append(f"layer {layer.depth}: {layer.type.value} ({layer.form}; {algs}{extra})")
    for i, sig in enumerate(report.signatures):
        who = sig.signer.subject if sig.signer is not None else "unknown signer"
        trusted = {True: "trusted", False: "NOT trusted", None: "trust not checked"}[sig.trusted]
        lines.append(f"signature {i}: {sig.status} by {who}, {trusted}, covers {sig.covers}")
        if sig.signing_time is not None:
            lines.append(f"  signing time (claimed): {sig.signing_time.isoformat()}")
        lines.extend(_trust_lines(sig))
        match = {True: "yes", False: "NO", None: "unknown (no single From)"}[sig.sender_match]
        lines.append(f"  signer matches From {report.sender or '-'}: {match}")
        if sig.sender_address is not None:
            lines.append(f"  matched certificate address: {sig.sender_address}")
        if sig.usage is not None:
            lines.append(f"  not a signing certificate ({sig.usage[0].value}): {sig.usage[1]}")
    for finding in report.findings:
        lines.append(f"finding: {finding}")
    # what the exit status does not judge (the sender binding) is a warning when it is 0
    label = "warning" if ok else "problem"
    lines.extend(f"{label}: {problem}" for problem in report.problems())
    msg = report.message
    lines.append(f"subject: {msg.get('Subject', '')}")
    body = msg.get_body(("plain",)) if isinstance(msg, EmailMessage) else None
    if body is not None:
        try:
            text = str(body.get_content())
        except (LookupError, ValueError, KeyError) as exc:
            # an unknown charset or broken encoding must not hide the report itself
            text = f"(the body cannot be shown: {exc})"
        lines.append("body:")
        lines.extend("  " + line for line in text.splitlines())
    return "\n".join(lines) + "\n"


def cmd_open(args: argparse.Namespace) -> int:
    """Peel every layer and print the report (RFC 8551 section 3); ``--out`` the content.

    Exit 0 needs at least one signature over the whole message: an unsigned message is
    reported, but not "verified". Signer certificates are validated (RFC 5280 section 6,
    RFC 8550 4.4) with the trust options (see :mod:`smimelib._cli.trustopts`).
    """
    keys = decryption_keys(args)
    opts = trust_options(args)
    data = read_input(args)
    report = open_message(
        data,
        keys=keys,
        trust=opts.store,
        certificates=opts.certificates,
        validation=opts.policy,
        validation_time=opts.at,
    )
    ok = report_ok(report, trust_checked=opts.store is not None)
    if args.json:
        sys.stdout.write(json.dumps(report_json(report, ok=ok), indent=2) + "\n")
    else:
        sys.stdout.write(report_text(report, ok=ok))
    sys.stdout.flush()
    if not ok:
        # like verify: content that failed verification is not written out
        return 1
    if args.output is not None:
        write_output(args, report.content_bytes)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job end to end on throwaway identities (RFC 8551 3.7: sign, then encrypt)."""
    del args
    print("creating a throwaway root CA and identities for alice and bob ...", file=sys.stderr)
    root = make_ca("CN=smimelib demo root")
    alice = make_smime_identity("alice@example.org", issuer=root, name="Alice")
    bob = make_smime_identity("bob@example.org", issuer=root, name="Bob")
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.org>"
    msg["To"] = "Bob <bob@example.org>"
    msg["Subject"] = "smimelib demo"
    msg.set_content("Hello Bob,\n\nthis message was signed by Alice and encrypted to you.\n")
    sealed = sign_and_encrypt(msg, alice, [bob.certificate])
    wire = sealed.as_bytes(policy=email.policy.SMTP)
    print(f"alice signed and encrypted {len(wire)} bytes for bob; bob opens them:", file=sys.stderr)
    report = open_message(wire, keys=[bob], trust=TrustStore([root.certificate]))
    sys.stdout.write(report_text(report, ok=report.ok))
    return 0 if report.ok else 1
