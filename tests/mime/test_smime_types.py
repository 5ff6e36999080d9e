"""classify / micalg (RFC 8551 3.2, 3.5.3.2; FIELD-NOTES rows 4, 6, 10)."""

from __future__ import annotations

import pytest

from smimelib.errors import UsageError
from smimelib.mime import SmimeKind, classify, micalg_for, parse_micalg, signed_protocol_ok


@pytest.mark.parametrize(
    ("ctype", "params", "filename", "kind"),
    [
        ("multipart/signed", {}, None, SmimeKind.SIGNED_MULTIPART),
        ("application/pkcs7-mime", {"smime-type": "signed-data"}, None, SmimeKind.SIGNED_DATA),
        (
            "Application/X-PKCS7-MIME",
            {"smime-type": "Enveloped-Data"},
            None,
            SmimeKind.ENVELOPED_DATA,
        ),
        (
            "application/pkcs7-mime",
            {"smime-type": "authEnveloped-data"},
            None,
            SmimeKind.AUTH_ENVELOPED_DATA,
        ),
        (
            "application/pkcs7-mime",
            {"smime-type": "AUTHENVELOPED-DATA"},
            None,
            SmimeKind.AUTH_ENVELOPED_DATA,
        ),
        (
            "application/pkcs7-mime",
            {"smime-type": "compressed-data"},
            None,
            SmimeKind.COMPRESSED_DATA,
        ),
        ("application/pkcs7-mime", {"smime-type": "certs-only"}, None, SmimeKind.CERTS_ONLY),
        ("application/pkcs7-mime", {}, "smime.p7m", SmimeKind.PKCS7_MIME_UNKNOWN),
        ("application/pkcs7-mime", {"smime-type": "weird"}, None, SmimeKind.PKCS7_MIME_UNKNOWN),
        ("application/pkcs7-signature", {}, None, SmimeKind.SIGNATURE),
        ("application/x-pkcs7-signature", {"smime-type": "signed-data"}, None, SmimeKind.SIGNATURE),
        ("application/octet-stream", {}, "SMIME.P7M", SmimeKind.PKCS7_MIME_UNKNOWN),
        ("application/octet-stream", {}, "smime.p7s", SmimeKind.SIGNATURE),
        ("application/octet-stream", {}, "certs.p7c", SmimeKind.CERTS_ONLY),
        ("application/octet-stream", {}, "x.p7z", SmimeKind.COMPRESSED_DATA),
        ("application/octet-stream", {}, "photo.jpg", SmimeKind.NONE),
        ("application/octet-stream", {}, None, SmimeKind.NONE),
        ("text/plain", {}, "smime.p7m", SmimeKind.NONE),
    ],
)
def test_classify(
    ctype: str, params: dict[str, str], filename: str | None, kind: SmimeKind
) -> None:
    assert classify(ctype, params, filename) is kind


def test_protocol() -> None:
    assert signed_protocol_ok({"protocol": "application/pkcs7-signature"})
    assert signed_protocol_ok({"protocol": "Application/X-PKCS7-Signature"})
    assert not signed_protocol_ok({"protocol": "application/pgp-signature"})
    assert not signed_protocol_ok({})


def test_micalg_for() -> None:
    assert micalg_for(["2.16.840.1.101.3.4.2.1"]) == "sha-256"
    assert micalg_for(["1.3.14.3.2.26"]) == "sha-1"
    assert micalg_for(["2.16.840.1.101.3.4.2.3", "2.16.840.1.101.3.4.2.2"]) == "sha-384,sha-512"
    assert micalg_for(["2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.1"]) == "sha-256"
    assert micalg_for(["1.2.840.113549.2.5", "2.16.840.1.101.3.4.2.4"]) == "md5,sha-224"
    assert micalg_for(["1.2.3.4"]) == "unknown"
    with pytest.raises(UsageError):
        micalg_for([])


def test_parse_micalg() -> None:
    assert parse_micalg("sha-256") == (("sha-256",), ())
    names, findings = parse_micalg("SHA1")
    assert names == ("sha-1",) and "RFC 3851" in findings[0]
    names, findings = parse_micalg('"sha256, sha-512 ,sha256"')
    assert names == ("sha-256", "sha-512") and len(findings) == 2
    names, findings = parse_micalg("SHA-384")
    assert names == ("sha-384",) and "lower case" in findings[0]
    names, findings = parse_micalg(None)
    assert names == () and "missing" in findings[0]
    names, findings = parse_micalg("gost")
    assert names == ("gost",) and findings
