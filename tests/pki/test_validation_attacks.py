"""Adversarial review of path validation, name constraints and sender binding.

Each test is an attack: a name that should be caught by a constraint, an address that
should not bind, a hostile pile of path-building hints, a certificate from the message
posing as an anchor. Tests marked "regression" failed before the fix they name.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence

import pytest

from smimelib._message.address import addresses_match, matching_address, parse_mailbox
from smimelib.asn1 import tlv
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.extensions import GeneralSubtree, NameConstraints
from smimelib.pki.general_names import GeneralName
from smimelib.pki.identity import Identity
from smimelib.pki.name_constraints import NameConstraintState
from smimelib.pki.names import RDN, Name, NameAttribute
from smimelib.pki.path_results import (
    RevocationMode,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.trust import TrustStore
from smimelib.pki.validation import validate_path

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
START = NOW - datetime.timedelta(days=10)
POLICY = ValidationPolicy(revocation=RevocationMode.OFF)
VALID, NC = ValidationStatus.VALID, ValidationStatus.NAME_CONSTRAINTS


def _excluding(*bases: GeneralName) -> NameConstraintState:
    return NameConstraintState().updated(
        NameConstraints(excluded=tuple(GeneralSubtree(b) for b in bases))
    )


def _permitting(*bases: GeneralName) -> NameConstraintState:
    return NameConstraintState().updated(
        NameConstraints(permitted=tuple(GeneralSubtree(b) for b in bases))
    )


# -- IDNA: the constraint must judge the domain sender binding compares ---------------------


def test_smtputf8_sharp_s_does_not_escape_an_excluded_a_label() -> None:
    # regression: IDNA2003 nameprep turned "straße.de" into "strasse.de" for the check,
    # while sender binding compares straße.de == xn--strae-oqa.de (RFC 9598 section 6)
    state = _excluding(GeneralName.email("xn--strae-oqa.de"))
    mailbox = GeneralName.smtp_utf8_mailbox("alice@straße.de")
    assert state.check(Name(), [mailbox]) is not None
    assert addresses_match("alice@xn--strae-oqa.de", "alice@straße.de")


def test_smtputf8_sharp_s_is_not_inside_a_permitted_ss_domain() -> None:
    # regression: a CA limited to strasse.de could certify the distinct domain straße.de
    state = _permitting(GeneralName.email("strasse.de"))
    assert state.check(Name(), [GeneralName.smtp_utf8_mailbox("alice@straße.de")]) is not None
    assert state.check(Name(), [GeneralName.email("alice@strasse.de")]) is None


@pytest.mark.parametrize(
    "domain",
    [
        "ｇｏｏｄ.com",  # fullwidth: IDNA2003 folds it to good.com
        "go\u200dod.com",  # zero-width joiner: IDNA2003 drops it
        "good\u3002com",  # ideographic full stop: IDNA2003 splits on it
        "BÜCHER.com",  # upper-case non-ASCII: nameprep folds it
    ],
)
def test_smtputf8_domains_that_nameprep_rewrites_are_within_no_subtree(domain: str) -> None:
    mailbox = GeneralName.smtp_utf8_mailbox(f"alice@{domain}")
    assert _permitting(GeneralName.email("good.com")).check(Name(), [mailbox]) is not None
    assert _permitting(GeneralName.email("xn--bcher-kva.com")).check(Name(), [mailbox])


def test_smtputf8_real_u_label_is_judged_as_its_a_label() -> None:
    mailbox = GeneralName.smtp_utf8_mailbox("alice@Bücher.com")
    assert _permitting(GeneralName.email("xn--bcher-kva.com")).check(Name(), [mailbox]) is None
    assert _excluding(GeneralName.email("xn--bcher-kva.com")).check(Name(), [mailbox])


def test_bogus_a_label_does_not_bind_the_ascii_domain() -> None:
    # regression: "xn--good-" is punycode for the ASCII "good"; the certificate's
    # (invalid) domain bound mail from good.com
    assert not addresses_match("alice@good.com", "alice@xn--good-.com")
    assert not addresses_match("alice@good.com", "alice@XN--GOOD-.com")
    assert addresses_match("alice@straße.de", "alice@xn--strae-oqa.de")
    assert addresses_match("alice@bücher.com", "alice@XN--BCHER-KVA.COM")


# -- quoted local parts and URI hosts -------------------------------------------------------


@pytest.mark.parametrize("local", ['"boss"', '"bo\\ss"', "boss"])
def test_quoted_local_part_is_the_same_mailbox(local: str) -> None:
    # regression: "boss"@good.com (RFC 5321 4.1.2: the same mailbox as boss@good.com)
    # escaped an excluded boss@good.com, and binds mail From: "boss"@good.com
    state = _excluding(GeneralName.email("boss@good.com"))
    assert state.check(Name(), [GeneralName.email(f"{local}@good.com")]) is not None
    assert state.check(Name(), [GeneralName.email('"boss2"@good.com')]) is None
    assert parse_mailbox(f"{local}@good.com") == f"{local}@good.com"


@pytest.mark.parametrize(
    "uri",
    [
        "https://%65vil.com/",  # percent-encoded host
        "https://1.2.3.4/",  # an IP address is no fully qualified domain name
        "https://[2001:db8::1]/",
        "urn:example:evil",  # no authority at all
        "mailto:eve@evil.com",
    ],
)
def test_uri_without_a_domain_name_is_refused_under_uri_constraints(uri: str) -> None:
    # regression: RFC 5280 4.2.1.10 says such a URI MUST be rejected when URI constraints
    # apply; with only excluded subtrees it was accepted
    state = _excluding(GeneralName.uri(".evil.com"))
    assert state.check(Name(), [GeneralName.uri(uri)]) is not None
    assert state.check(Name(), [GeneralName.uri("https://www.good.com:443/x")]) is None
    # constraints on other forms leave URIs alone
    assert _excluding(GeneralName.email("evil.com")).check(Name(), [GeneralName.uri(uri)]) is None


# -- the subject's emailAddress attributes ---------------------------------------------------


def test_every_email_address_attribute_is_constrained() -> None:
    state = _permitting(GeneralName.email("good.com"))
    one = Name.build([("CN", "A"), ("emailAddress", "a@good.com")])
    two = Name.build([("CN", "A"), ("emailAddress", "a@good.com"), ("emailAddress", "e@evil.com")])
    assert state.check(one, []) is None
    assert state.check(two, []) is not None
    # a second attribute in the same (multi-valued) RDN is no hiding place either
    multi = Name.from_rfc4514("CN=A+emailAddress=e@evil.com,O=Good")
    assert multi.email_addresses == ("e@evil.com",)
    assert state.check(multi, []) is not None


def test_email_address_attribute_against_mailbox_and_case() -> None:
    state = _excluding(GeneralName.email("boss@good.com"))
    assert state.check(Name.build([("emailAddress", "boss@GOOD.com")]), []) is not None
    # the local part is exact (RFC 5280 4.2.1.10), and so is sender binding
    assert state.check(Name.build([("emailAddress", "Boss@good.com")]), []) is None
    assert not addresses_match("boss@good.com", "Boss@good.com")


def test_malformed_email_address_attribute_is_refused_under_constraints() -> None:
    state = _excluding(GeneralName.email("evil.com"))
    for value in ("e@evil.com ", "e@evil..com", "e@@evil.com", "e@evil.com\x00x"):
        assert state.check(Name.build([("emailAddress", value)]), []) is not None, value


def test_directory_name_exclusion_across_string_types() -> None:
    # PrintableString in the constraint, UTF8String and case changes in the subject
    printable = tlv.Tag.PRINTABLE_STRING
    excluded = Name(
        [
            RDN((NameAttribute.build("C", "US"),)),
            RDN((NameAttribute.build("O", "Evil", string_tag=printable),)),
        ]
    )
    state = _excluding(GeneralName.directory(excluded))
    for tag in (tlv.Tag.UTF8_STRING, tlv.Tag.BMP_STRING, tlv.Tag.IA5_STRING):
        evasive = Name(
            [
                RDN((NameAttribute.build("C", "us"),)),
                RDN((NameAttribute.build("O", "  EVIL ", string_tag=tag),)),
                RDN((NameAttribute.build("CN", "x"),)),
            ]
        )
        assert state.check(evasive, []) is not None, tag


# -- sender binding on hostile From values ---------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        '"alice@good.com" <eve@evil.com>',
        "alice@good.com <eve@evil.com>",
        "eve@evil.com (alice@good.com)",
        "=?utf-8?q?alice@good.com?= <eve@evil.com>",
        "Alice <eve@evil.com>, alice@good.com",
        "Alice <alice@good.com> <eve@evil.com>",
        "alice@good.com\x00@evil.com",
        "<alice@good.com>\r\n",
    ],
)
def test_from_values_never_bind_alice(value: str) -> None:
    addr = parse_mailbox(value)
    assert addr is None or matching_address(addr, ("alice@good.com",)) is None


@pytest.mark.parametrize(
    "from_addr",
    [
        "alice@goоd.com",  # Cyrillic o
        "alice@good.com.",  # trailing dot
        "ALICE@good.com",  # local parts are exact
        "alice@good.\u212aom",  # KELVIN SIGN folds to k under str.lower()
    ],
)
def test_look_alike_addresses_do_not_bind(from_addr: str) -> None:
    assert matching_address(from_addr, ("alice@good.com", "alice@good.kom")) is None


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u00ad", "\u202e", "\u2060", "\ufeff", "\u00a0", "\u2028", "\ue000"],
)
def test_invisible_characters_neither_bind_nor_escape_constraints(invisible: str) -> None:
    # regression: "alice\u200b@good.com" displays as alice@good.com; it was a valid
    # mailbox outside an excluded alice@good.com, and a From value that could bind
    for address in (f"ali{invisible}ce@good.com", f'"ali{invisible}ce"@good.com'):
        mailbox = GeneralName.smtp_utf8_mailbox(address)
        assert _excluding(GeneralName.email("alice@good.com")).check(Name(), [mailbox])
        assert parse_mailbox(address) is None
        assert parse_mailbox(f"Alice <{address}>") is None
    assert parse_mailbox(f"alice@good{invisible}.com") is None
    # ordinary non-ASCII letters stay valid (RFC 6532)
    assert parse_mailbox("Jürgen <jürgen@bücher.de>") == "jürgen@bücher.de"


# -- path building under hostile hints -------------------------------------------------------


@pytest.fixture(scope="module")
def pki() -> tuple[Identity, Identity, Certificate]:
    root = make_ca("CN=Attack Root", key_type="p-256", not_before=START)
    ca = make_ca("CN=Attack CA", key_type="p-256", issuer=root, not_before=START)
    leaf = _leaf(ca, "CN=victim", START)
    return root, ca, leaf


def _leaf(ca: Identity, subject: str, start: datetime.datetime) -> Certificate:
    return (
        CertificateBuilder()
        .subject_name(Name.from_rfc4514(subject))
        .public_key(generate_key("p-256"))
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=60))
        .sign(ca.key, issuer=ca.certificate)
    )


def _impostors(count: int, subject: str, issuer: str, key_id: bytes) -> list[Certificate]:
    # same subject, same (copied) subjectKeyIdentifier, another key: each one ranks
    # with the real issuer and fails only at the signature check
    key = generate_key("p-256")
    out = []
    for serial in range(1, count + 1):
        out.append(
            CertificateBuilder()
            .subject_name(Name.from_rfc4514(subject))
            .issuer_name(Name.from_rfc4514(issuer))
            .public_key(key)
            .serial_number(serial)
            .not_valid_before(START)
            .not_valid_after(NOW + datetime.timedelta(days=30))
            .basic_constraints(ca=True)
            .subject_key_identifier(key_id)
            .sign(key)
        )
    return out


def test_two_hundred_same_name_hints_stay_bounded(
    pki: tuple[Identity, Identity, Certificate], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, ca, leaf = pki
    # 200 fake "CN=Attack CA" certificates claiming to be issued by the root, plus the
    # real one last: every fake is a candidate for the leaf's issuer
    key_id = ca.certificate.subject_key_identifier
    assert key_id is not None
    hints = [*_impostors(200, "CN=Attack CA", "CN=Attack Root", key_id), ca.certificate]
    calls = [0]
    original = Certificate.verify_signature

    def counting(self: Certificate, *args: object, **kwargs: object) -> None:
        calls[0] += 1
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Certificate, "verify_signature", counting)
    store = TrustStore([root.certificate])
    started = time.perf_counter()
    result = store.validate(leaf, hints, NOW, policy=POLICY)
    elapsed = time.perf_counter() - started
    policy = ValidationPolicy()
    # each candidate path costs at most one signature per certificate
    assert calls[0] <= policy.max_paths * policy.max_chain_length
    assert elapsed < 10
    # the real CA lies beyond the budget: the outcome is a refusal, never a false VALID
    assert not result.trusted
    assert result.status is ValidationStatus.INVALID_SIGNATURE
    assert any("limits" in finding for finding in result.findings)
    # the same hints behind the real CA validate
    assert store.validate(leaf, hints[::-1], NOW, policy=POLICY).trusted


def test_cycle_of_cross_certificates_ends(pki: tuple[Identity, Identity, Certificate]) -> None:
    root, _, _ = pki
    a_key, b_key = generate_key("p-256"), generate_key("p-256")

    def cross(subject: str, issuer: str, key: object, signer: object) -> Certificate:
        return (
            CertificateBuilder()
            .subject_name(Name.from_rfc4514(subject))
            .issuer_name(Name.from_rfc4514(issuer))
            .public_key(key)  # type: ignore[arg-type]
            .not_valid_before(START)
            .not_valid_after(NOW + datetime.timedelta(days=30))
            .basic_constraints(ca=True)
            .sign(signer)  # type: ignore[arg-type]
        )

    a_by_b = cross("CN=A", "CN=B", a_key, b_key)
    b_by_a = cross("CN=B", "CN=A", b_key, a_key)
    leaf = cross("CN=leaf", "CN=A", generate_key("p-256"), a_key)
    result = TrustStore([root.certificate]).validate(
        leaf, [a_by_b, b_by_a] * 50, NOW, policy=POLICY
    )
    assert not result.trusted
    assert result.status in (ValidationStatus.NAME_CHAINING, ValidationStatus.UNTRUSTED_ROOT)


# -- certificates from the message are never anchors -----------------------------------------


def test_self_signed_signer_in_the_message_is_not_an_anchor(
    pki: tuple[Identity, Identity, Certificate],
) -> None:
    root, _, _ = pki
    key = generate_key("p-256")
    fake_root = (
        CertificateBuilder()
        .subject_name(root.certificate.subject)
        .public_key(key)
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .basic_constraints(ca=True)
        .sign(key)
    )
    fake_ca = Identity(key, fake_root)
    leaf = _leaf(fake_ca, "CN=eve", START)
    store = TrustStore([root.certificate])
    # the impostor root shares the anchor's name; it arrives as a hint only
    result = store.validate(leaf, [fake_root], NOW, policy=POLICY)
    assert not result.trusted
    assert store.validate(fake_root, [fake_root], NOW, policy=POLICY).trusted is False
    # and the store is unchanged afterwards
    assert store.anchors == (root.certificate,)
    assert store.intermediates == ()


# -- self-issued certificates and pathLenConstraint ------------------------------------------


def test_self_issued_rollover_does_not_count_but_a_new_ca_does() -> None:
    root = make_ca("CN=PL Root", key_type="p-256", not_before=START)
    ca = make_ca("CN=PL CA", key_type="p-256", issuer=root, path_length=0, not_before=START)
    # key rollover: CN=PL CA (new key) issued by CN=PL CA (old key): self-issued
    new_key = generate_key("p-256")
    rollover = (
        CertificateBuilder()
        .subject_name(ca.certificate.subject)
        .public_key(new_key)
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .basic_constraints(ca=True)
        .sign(ca.key, issuer=ca.certificate)
    )
    leaf = _leaf(Identity(new_key, rollover), "CN=leaf", START)
    path = [root.certificate, ca.certificate, rollover, leaf]
    assert validate_path(path, at=NOW, policy=POLICY).status is VALID
    sub = make_ca("CN=PL Sub", key_type="p-256", issuer=ca, not_before=START)
    leaf2 = _leaf(sub, "CN=leaf2", START)
    path2 = [root.certificate, ca.certificate, sub.certificate, leaf2]
    assert validate_path(path2, at=NOW, policy=POLICY).status is ValidationStatus.PATH_LENGTH


def test_self_issued_leaf_is_still_name_constrained() -> None:
    root = make_ca("CN=NCS Root", key_type="p-256", not_before=START)
    constraints = NameConstraints(permitted=(GeneralSubtree(GeneralName.email("good.com")),))
    ca = make_ca(
        "CN=NCS CA", key_type="p-256", issuer=root, not_before=START, name_constraints=constraints
    )
    # a self-issued end entity (subject == issuer) must not use the intermediates' exemption
    leaf = (
        CertificateBuilder()
        .subject_name(ca.certificate.subject)
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .email_addresses("eve@evil.com")
        .sign(ca.key, issuer=ca.certificate)
    )
    result = validate_path([root.certificate, ca.certificate, leaf], at=NOW, policy=POLICY)
    assert result.status is NC


def _paths(certs: Sequence[Certificate]) -> list[str]:
    return [c.subject.rfc4514() for c in certs]


def test_smtputf8_mailbox_end_to_end(pki: tuple[Identity, Identity, Certificate]) -> None:
    root, _, _ = pki
    constraints = NameConstraints(excluded=(GeneralSubtree(GeneralName.email("xn--strae-oqa.de")),))
    ca = make_ca(
        "CN=IDN CA", key_type="p-256", issuer=root, not_before=START, name_constraints=constraints
    )
    leaf = (
        CertificateBuilder()
        .subject_name(Name.from_rfc4514("CN=alice"))
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .email_addresses("alice@straße.de")
        .sign(ca.key, issuer=ca.certificate)
    )
    assert leaf.smtp_utf8_mailboxes == ("alice@straße.de",)
    result = validate_path([root.certificate, ca.certificate, leaf], at=NOW, policy=POLICY)
    assert result.status is NC, _paths(result.chain)


def test_mesh_of_cross_certificates_stays_bounded(
    pki: tuple[Identity, Identity, Certificate], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 200 CA certificates among "CN=A" and "CN=B" (two keys each way, distinct serials),
    # some issued by the root's name: a graph with very many paths of every length
    root, _, _ = pki
    keys = [generate_key("p-256") for _ in range(2)]
    mesh: list[Certificate] = []
    for serial in range(200):
        subject, issuer = ("CN=A", "CN=B") if serial % 2 else ("CN=B", "CN=A")
        if serial % 25 == 0:
            issuer = "CN=Attack Root"
        mesh.append(
            CertificateBuilder()
            .subject_name(Name.from_rfc4514(subject))
            .issuer_name(Name.from_rfc4514(issuer))
            .public_key(keys[serial % 2])
            .serial_number(serial + 1)
            .not_valid_before(START)
            .not_valid_after(NOW + datetime.timedelta(days=30))
            .basic_constraints(ca=True)
            .sign(keys[(serial + 1) % 2])
        )
    leaf = _leaf(Identity(keys[0], mesh[0]), "CN=mesh leaf", START)
    calls = [0]
    original = Certificate.verify_signature

    def counting(self: Certificate, *args: object, **kwargs: object) -> None:
        calls[0] += 1
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Certificate, "verify_signature", counting)
    started = time.perf_counter()
    result = TrustStore([root.certificate]).validate(leaf, mesh, NOW, policy=ValidationPolicy())
    assert time.perf_counter() - started < 10
    assert not result.trusted
    policy = ValidationPolicy()
    assert calls[0] <= policy.max_paths * policy.max_chain_length
