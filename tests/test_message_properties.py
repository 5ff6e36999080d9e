"""Property tests: random messages survive every wrapping, and tampering is reported."""

from __future__ import annotations

import email.policy
import functools
from email.message import EmailMessage

from hypothesis import given
from hypothesis import strategies as st

from smimelib import message as smime
from smimelib.errors import SmimeError
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.identity import Identity
from smimelib.pki.trust import TrustStore

SMTP = email.policy.SMTP


@functools.cache
def _pki() -> tuple[Identity, Identity, TrustStore]:
    # hypothesis re-runs the test body: keys are made once per session
    root = make_ca("CN=Property Root", key_type="p-256")
    alice = make_smime_identity("alice@example.com", issuer=root, key_type="p-256")
    bob = make_smime_identity("bob@example.org", issuer=root, key_type="x25519")
    return alice, bob, TrustStore([root.certificate])


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r") | st.just("\n"),
    max_size=300,
)
_LEAF = st.one_of(
    _TEXT.map(lambda t: ("text", t)),
    st.binary(max_size=300).map(lambda b: ("binary", b)),
)
_TREE = st.recursive(
    _LEAF, lambda children: st.lists(children, min_size=1, max_size=3), max_leaves=5
)


def _build(tree: object) -> EmailMessage:
    part = EmailMessage()
    if isinstance(tree, list):
        part.make_mixed()
        for child in tree:
            part.attach(_build(child))
    else:
        assert isinstance(tree, tuple)
        kind, value = tree
        if kind == "text":
            part.set_content(value)
        else:
            part.set_content(value, maintype="application", subtype="octet-stream")
    return part


def _leaves(msg: EmailMessage) -> list[object]:
    out: list[object] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        out.append(content.replace("\r\n", "\n") if isinstance(content, str) else content)
    return out


@given(
    tree=_TREE,
    subject=st.text(min_size=1, max_size=40).filter(str.isprintable),
    how=st.sampled_from(["sign", "opaque", "encrypt", "sign_and_encrypt", "triple_wrap"]),
)
def test_round_trip(tree: object, subject: str, how: str) -> None:
    alice, bob, trust = _pki()
    msg = _build(tree)
    msg["From"] = "alice@example.com"
    msg["To"] = "bob@example.org"
    msg["Subject"] = subject.strip() or "x"
    if how == "sign":
        out = smime.sign(msg, alice)
    elif how == "opaque":
        out = smime.sign(msg, alice, opaque=True)
    elif how == "encrypt":
        out = smime.encrypt(msg, [bob.certificate])
    elif how == "sign_and_encrypt":
        out = smime.sign_and_encrypt(msg, alice, [bob.certificate])
    else:
        out = smime.triple_wrap(msg, alice, [bob.certificate])
    wire = out.as_bytes(policy=SMTP)
    report = smime.open(wire, keys=[bob], trust=trust)
    assert report.ok is (how != "encrypt"), report.problems()
    assert str(report.message["Subject"]) == str(msg["Subject"])
    assert _leaves(report.message) == _leaves(msg)


@given(tree=_TREE, position=st.integers(min_value=0))
def test_altering_the_signed_body_is_reported(tree: object, position: int) -> None:
    alice, _, trust = _pki()
    msg = _build(tree)
    msg["From"] = "alice@example.com"
    wire = smime.sign(msg, alice).as_bytes(policy=SMTP)
    boundary = wire.split(b'boundary="')[1].split(b'"')[0]
    start = wire.index(b"--" + boundary + b"\r\n") + len(boundary) + 4
    end = wire.index(b"\r\n--" + boundary, start)
    index = start + position % (end - start)
    flipped = b"!" if wire[index : index + 1] != b"!" else b"?"
    tampered = wire[:index] + flipped + wire[index + 1 :]
    try:
        report = smime.open(tampered, trust=trust)
    except SmimeError:
        return  # a byte that breaks the MIME framing: refused, never a valid report
    assert not report.ok and not report.valid
