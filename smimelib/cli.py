"""The ``smime`` command (DESIGN "The command line contract"; RFC 8551, RFC 5652).

Subcommands: ``sign``, ``verify``, ``encrypt``, ``decrypt``, ``open``, ``dump`` and ``demo``.
Input and output default to stdin and stdout (binary); ``--out`` is written atomically.
Exit status: 0 success, 1 verification failed or untrusted, 2 usage error or malformed
input, 3 no key can decrypt the message. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from smimelib.errors import DecryptionError, SmimeError

__all__ = ["EXIT_FAILED", "EXIT_NO_KEY", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_KEY = 3

_CIPHERS = (
    "aes-256-gcm",
    "aes-128-gcm",
    "aes-192-gcm",
    "chacha20-poly1305",
    "aes-128-cbc",
    "aes-192-cbc",
    "aes-256-cbc",
)

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's one-line error and exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"smime: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def _io(p: argparse.ArgumentParser, informs: Sequence[str], outform: bool = True) -> None:
    p.add_argument("--in", dest="input", metavar="FILE", help="input file (default stdin)")
    p.add_argument("--out", dest="output", metavar="FILE", help="output file (default stdout)")
    p.add_argument("--inform", choices=informs, default="mime", help="input form (default mime)")
    if outform:
        p.add_argument(
            "--outform", choices=("mime", "der", "pem"), default="mime", help="output form"
        )


def _identity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cert", metavar="FILE", help="certificate (PEM or DER)")
    p.add_argument("--key", metavar="FILE", help="private key (PEM or DER, PKCS#8 or traditional)")
    p.add_argument("--identity", metavar="P12", help="PKCS #12 file with key and certificate")
    p.add_argument("--password-file", metavar="FILE", help="password (first line of FILE)")


def _decryption(p: argparse.ArgumentParser) -> None:
    _identity(p)
    p.add_argument("--kek-file", metavar="FILE", help="key-encryption key in hex (KEKRI)")
    p.add_argument("--kek-id", metavar="HEX", help="the KEK's key identifier in hex")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``smime`` (DESIGN "The command line contract")."""
    from smimelib._cli import commands, dump, report
    from smimelib._cli.trustopts import add_store_options, add_trust_options

    parser = _Parser(prog="smime", description="S/MIME 4.0 and CMS (RFC 8551, RFC 5652).")
    subs = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = subs.add_parser("sign", help="sign a message (multipart/signed by default)")
    _io(p, ("mime", "binary"))
    _identity(p)
    p.add_argument("--opaque", action="store_true", help="application/pkcs7-mime signed-data")
    p.add_argument("--digest", metavar="NAME", help="digest (default sha256)")
    p.add_argument("--pss", action="store_true", help="RSASSA-PSS (raw CMS output)")
    p.add_argument("--chain", action="append", metavar="FILE", help="certificates above --cert")
    p.add_argument("--no-certs", action="store_true", help="no certificates (raw CMS output)")
    p.add_argument("--detached", action="store_true", help="detached raw CMS (no eContent)")
    p.set_defaults(func=commands.cmd_sign)

    p = subs.add_parser("verify", help="verify every signature, write the signed content")
    _io(p, ("mime", "der", "pem"), outform=False)
    add_trust_options(p)
    p.add_argument("--content", metavar="FILE", help="content of a detached raw CMS signature")
    p.set_defaults(func=commands.cmd_verify)

    p = subs.add_parser("encrypt", help="encrypt (AES-256-GCM AuthEnvelopedData by default)")
    _io(p, ("mime", "binary"))
    p.add_argument("--recipient", action="append", metavar="CERT", help="recipient (repeatable)")
    p.add_argument("--cipher", choices=_CIPHERS, default="aes-256-gcm", help="content cipher")
    p.add_argument("--oaep", action="store_true", help="RSAES-OAEP key transport (RFC 3560)")
    p.add_argument("--password-file", metavar="FILE", help="password recipient (PWRI)")
    p.add_argument("--kek-file", metavar="FILE", help="key-encryption key in hex (KEKRI)")
    p.add_argument("--kek-id", metavar="HEX", help="the KEK's key identifier in hex")
    add_store_options(p)
    p.set_defaults(func=commands.cmd_encrypt)

    p = subs.add_parser("decrypt", help="decrypt one encryption layer")
    _io(p, ("mime", "der", "pem"), outform=False)
    _decryption(p)
    p.set_defaults(func=commands.cmd_decrypt)

    p = subs.add_parser("open", help="peel every layer and print the report")
    _io(p, ("mime",), outform=False)
    _decryption(p)
    add_trust_options(p)
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=report.cmd_open)

    p = subs.add_parser("dump", help="print the structure of a CMS object or S/MIME message")
    _io(p, ("mime", "der", "pem"), outform=False)
    p.set_defaults(func=dump.cmd_dump)

    p = subs.add_parser("demo", help="sign, encrypt and open a message on throwaway identities")
    p.set_defaults(func=report.cmd_demo)
    return parser


def _fail(message: str, status: int) -> int:
    sys.stderr.write("smime: error: " + " ".join(message.split()) + "\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``smime``; returns the exit status (0, 1, 2 or 3, see the module docstring)."""
    try:
        args = build_parser().parse_args(argv)
        func: Handler = args.func
        return func(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except DecryptionError as exc:
        return _fail(f"cannot decrypt: {exc}", EXIT_NO_KEY)
    except SmimeError as exc:
        return _fail(str(exc) or type(exc).__name__, EXIT_USAGE)
    except UnicodeDecodeError as exc:
        return _fail(f"not UTF-8 text: {exc.reason}", EXIT_USAGE)
    except OSError as exc:
        where = f" {exc.filename!r}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}", EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_USAGE)
    except Exception as exc:  # the contract: never a traceback
        return _fail(f"internal error: {type(exc).__name__}: {exc}", EXIT_USAGE)


if __name__ == "__main__":
    sys.exit(main())
