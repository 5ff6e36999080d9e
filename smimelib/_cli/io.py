"""Input, output and key loading for the ``smime`` command (DESIGN "command line contract")."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile

from smimelib.cms import KEK, KEKRecipient, Password, PasswordRecipient, RecipientKey
from smimelib.errors import DecodeError, UsageError
from smimelib.pki import Certificate, Identity, load_certificates, load_private_key
from smimelib.pki.pem import is_pem, pem_blocks, pem_encode

__all__ = [
    "CMS_PEM_LABEL",
    "cms_in",
    "cms_out",
    "decryption_keys",
    "load_identity",
    "read_certs",
    "read_file",
    "read_input",
    "write_output",
]

#: the PEM label OpenSSL writes for CMS (``openssl cms -outform PEM``), RFC 7468 section 9
CMS_PEM_LABEL = "CMS"
_CMS_LABELS = frozenset({"CMS", "PKCS7", "PKCS #7 SIGNED DATA"})


def read_file(path: str, what: str) -> bytes:
    """The bytes of ``path``; an unreadable file is a usage error naming it."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path!r}: {exc.strerror}") from None


def read_input(args: argparse.Namespace) -> bytes:
    """``--in`` or stdin, as bytes."""
    path: str | None = args.input
    if path is None or path == "-":
        return sys.stdin.buffer.read()
    return read_file(path, "input")


def write_output(args: argparse.Namespace, data: bytes) -> None:
    """Write to ``--out`` atomically (temp file in the same directory, then rename) or stdout."""
    path: str | None = args.output
    if path is None or path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".smime-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cms_in(data: bytes, inform: str) -> bytes:
    """The DER/BER of a bare CMS ContentInfo given as ``der`` or ``pem``."""
    if inform == "der":
        return data
    if not is_pem(data):
        raise DecodeError("the input is not PEM (expected -----BEGIN CMS-----)", offset=0)
    for block in pem_blocks(data):
        if block.label in _CMS_LABELS:
            return block.der
    raise DecodeError("the input holds no CMS or PKCS7 PEM block", offset=0)


def cms_out(der: bytes, outform: str) -> bytes:
    """``der`` as written for ``--outform der`` or ``pem``."""
    return der if outform == "der" else pem_encode(CMS_PEM_LABEL, der)


def _password(args: argparse.Namespace) -> str | None:
    path: str | None = args.password_file
    if path is None:
        return None
    text = read_file(path, "password file").decode("utf-8", errors="strict")
    lines = text.splitlines()
    return lines[0] if lines else ""


def read_certs(path: str, what: str) -> list[Certificate]:
    """Every certificate of a PEM bundle or DER file."""
    certs = load_certificates(read_file(path, what))
    if not certs:
        raise UsageError(f"{what} {path!r} holds no certificate")
    return certs


def load_identity(args: argparse.Namespace, *, required: bool = True) -> Identity | None:
    """The identity of ``--identity P12`` or ``--cert C --key K`` (plus ``--chain``)."""
    chain: list[Certificate] = []
    for path in getattr(args, "chain", None) or ():
        chain.extend(read_certs(path, "chain file"))
    if args.identity is not None:
        if args.cert is not None or args.key is not None:
            raise UsageError("give either --identity or --cert and --key, not both")
        ident = Identity.from_pkcs12(read_file(args.identity, "PKCS #12 file"), _password(args))
        if chain:
            ident = Identity(ident.key, ident.certificate, (*ident.chain, *chain))
        return ident
    if args.cert is None and args.key is None:
        if required:
            raise UsageError("a key is needed: --cert C --key K or --identity P12")
        return None
    if args.cert is None or args.key is None:
        raise UsageError("--cert and --key go together")
    key = load_private_key(read_file(args.key, "key file"), _password(args))
    certs = read_certs(args.cert, "certificate file")
    return Identity(key, certs[0], (*certs[1:], *chain))


def decryption_keys(args: argparse.Namespace) -> list[RecipientKey]:
    """Keys from ``--identity`` / ``--cert --key``, ``--password-file`` or ``--kek-file``."""
    keys: list[RecipientKey] = []
    ident = load_identity(args, required=False)
    if ident is not None:
        keys.append(ident)
    elif args.password_file is not None:
        keys.append(Password(_password(args) or ""))
    if args.kek_file is not None:
        keys.append(KEK(_kek_id(args), _kek(args)))
    elif args.kek_id is not None:
        raise UsageError("--kek-id needs --kek-file")
    return keys


def kek_recipient(args: argparse.Namespace) -> KEKRecipient:
    """The KEKRecipientInfo spec of ``--kek-file F --kek-id HEX`` (RFC 5652 6.2.3)."""
    return KEKRecipient(_kek(args), _kek_id(args))


def password_recipient(args: argparse.Namespace) -> PasswordRecipient:
    """The PasswordRecipientInfo spec of ``--password-file F`` (RFC 3211)."""
    return PasswordRecipient(_password(args) or "")


def _kek(args: argparse.Namespace) -> bytes:
    text = read_file(args.kek_file, "KEK file").decode("ascii", errors="replace").strip()
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise UsageError(f"KEK file {args.kek_file!r} does not hold a hex key") from None


def _kek_id(args: argparse.Namespace) -> bytes:
    if args.kek_id is None:
        raise UsageError("--kek-file needs --kek-id HEX")
    try:
        return bytes.fromhex(args.kek_id)
    except ValueError:
        raise UsageError(f"--kek-id {args.kek_id!r} is not hex") from None
