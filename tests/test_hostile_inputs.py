"""Hostile input to every loader: only smimelib.errors exceptions, and no hang.

Mutations of real vectors (truncation, bit flips, inserted and deleted bytes,
duplicated regions) are fed to each public loader. Whatever the loader
accepts is then inspected field by field, since lazily parsed values must
fail as cleanly as the loader itself. A SIGALRM guard turns a hang into a
failure; it bounds runaway work, it does not measure speed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smimelib.errors import SmimeError
from tests.guard import no_hang
from tests.vectors import load_vector

HANG_SECONDS = 20


def _pem_body(data: bytes) -> bytes:
    lines = [ln for ln in data.splitlines() if ln and not ln.startswith(b"-----")]
    return base64.b64decode(b"".join(lines))


def _touch(obj: Any) -> None:
    """Read every public attribute, so lazily decoded fields are exercised too."""
    for name in dir(obj):
        if name.startswith("_"):
            continue
        try:
            value = getattr(obj, name)
        except SmimeError:
            continue
        if callable(value):
            continue
        if isinstance(value, (tuple, list, frozenset)):
            for item in value:
                repr(item)
        repr(value)


def _load_certificate(data: bytes) -> None:
    from smimelib.pki.certificate import Certificate

    cert = Certificate.from_der(data)
    _touch(cert)
    cert.subject.rfc4514()
    cert.issuer.rfc4514()
    cert.fingerprint()


def _load_key(data: bytes) -> None:
    from smimelib.pki.keys import load_private_key

    key = load_private_key(data, password=b"test12345678")
    key.public_key()


def _load_pkcs12(data: bytes) -> None:
    from smimelib.pki.pkcs12 import load_pkcs12

    p12 = load_pkcs12(data, password="no.secret")
    _touch(p12)


def _parse_tlv(data: bytes) -> None:
    from smimelib.asn1 import tlv

    stack = [tlv.parse_one(data)]
    while stack:
        elem = stack.pop()
        if elem.tag.constructed:
            stack.extend(elem.children())


def _load_spki(data: bytes) -> None:
    from smimelib.pki.keys import load_der_public_key

    load_der_public_key(data)


LOADERS: dict[str, tuple[Callable[[bytes], None], bytes]] = {
    "certificate-rsa": (_load_certificate, _pem_body(load_vector("rfc9216/alice.sign.crt"))),
    "certificate-ed25519": (_load_certificate, _pem_body(load_vector("rfc9216/carlos.sign.crt"))),
    "certificate-dsa": (_load_certificate, load_vector("rfc4134/AliceDSSSignByCarlNoInherit.cer")),
    "key-pkcs8-rsa": (_load_key, load_vector("rfc4134/AlicePrivRSASign.pri")),
    "key-pkcs8-encrypted": (
        _load_key,
        load_vector("covert-content/assets/secret-keys/manager@bigcorporation.key"),
    ),
    "key-pkcs8-x25519": (_load_key, load_vector("rfc9216/dana.decrypt.key")),
    "pkcs12-legacy": (_load_pkcs12, load_vector("mimekit/ec-smime.pfx")),
    "tlv": (_parse_tlv, load_vector("rfc4134/4.4.bin")),
}


@st.composite
def _mutation(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "duplicate"]))
    n = len(data)
    if kind == "truncate":
        return data[: draw(st.integers(0, n - 1))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, n - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if kind == "insert":
        i = draw(st.integers(0, n))
        return data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]
    if kind == "delete":
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i + 1, min(n, i + 16)))
        return data[:i] + data[j:]
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(i + 1, min(n, i + 64)))
    return data[:j] + data[i:j] * draw(st.integers(1, 50)) + data[j:]


@pytest.mark.parametrize("name", sorted(LOADERS))
@given(data=st.data())
def test_mutated_vectors_raise_only_smime_errors(name: str, data: st.DataObject) -> None:
    loader, original = LOADERS[name]
    mutated = data.draw(_mutation(original))
    with no_hang(HANG_SECONDS), suppress(SmimeError):
        loader(mutated)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_unmutated_vectors_load(name: str) -> None:
    """The seeds themselves are valid, so the mutation test starts from real structure."""
    loader, original = LOADERS[name]
    loader(original)


HOSTILE = {
    "empty": b"",
    "deep-indefinite": b"\x30\x80" * 1_000_000,
    "deep-definite": b"\x30\x84\x7f\xff\xff\xff" * 100_000,
    "huge-length": b"\x30\x88" + (2**62).to_bytes(8, "big") + b"\x00" * 16,
    "reserved-length": b"\x30\xff" + b"\x00" * 16,
    "long-tag": b"\x1f" + b"\x81" * 100_000 + b"\x01\x00",
    "oid-arc": b"\x06\x82\x0f\xa0" + b"\x81" * 3999 + b"\x01",
    "oid-arcs": b"\x06\x83\x03\x0d\x40" + b"\x01" * 200_000,
    "garbage": bytes(range(256)) * 64,
}


@pytest.mark.parametrize("loader_name", sorted(LOADERS))
@pytest.mark.parametrize("input_name", sorted(HOSTILE))
def test_crafted_inputs_raise_only_smime_errors(loader_name: str, input_name: str) -> None:
    loader, _ = LOADERS[loader_name]
    with no_hang(HANG_SECONDS), pytest.raises(SmimeError):
        loader(HOSTILE[input_name])
