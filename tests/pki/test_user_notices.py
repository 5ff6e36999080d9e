"""User notices of certificate policies (RFC 5280 4.2.1.4, 6.1.3 (d), 6.1.6).

* PKITS 4.8.15-4.8.20 and 4.10.12-4.10.14: exactly the notices the run lists in
  ``expected_user_notices`` are displayed (text, policy OID, certificate), none of
  ``user_notices_not_to_display``, directly through ``TrustStore.validate`` and through
  ``smimelib.open`` of the test's signed message; and ``smime open --json``/text.
* ``UserNotice`` decoding: every DisplayText alternative, noticeRef, an over-long
  explicitText (accepted, flagged), malformed values (DecodeError with an offset).
* builder-made paths: the end entity's notice wins over its CA's, a CA's notice is
  used when the end entity has none, a malformed notice is a finding and not a failure,
  the anyPolicy qualifiers reach the policies it stands for (6.1.5 (g)(iii)(3)).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from smimelib.asn1 import der
from smimelib.asn1.tlv import Tag
from smimelib.errors import DecodeError, UsageError
from smimelib.pki import extensions as ext
from smimelib.pki._policy_tree import PolicyTree
from smimelib.pki._user_notice import (
    MAX_DISPLAY_TEXT_OCTETS,
    MAX_NOTICE_NUMBERS,
    decode_user_notice,
    encode_user_notice,
)
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.path_extensions import (
    OID_USER_NOTICE_QUALIFIER,
    PolicyInformation,
    PolicyQualifier,
    UserNoticeQualifier,
)
from smimelib.pki.path_results import (
    ANY_POLICY,
    PolicySettings,
    RevocationMode,
    TrustResult,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.validation import validate_path
from tests.pki.pkits_suite import RUNS, PkitsRun, cert
from tests.test_cli import smime as run_smime
from tests.vectors import vector_path

_NOTICE_RUNS = [
    r for r in RUNS if "expected_user_notices" in r.run or "user_notices_not_to_display" in r.run
]
_NOTICE_IDS = [r.id for r in _NOTICE_RUNS]


def test_the_pkits_notice_runs_are_all_there() -> None:
    tests = {r.test["id"] for r in _NOTICE_RUNS}
    assert tests == {
        "4.8.15", "4.8.16", "4.8.17", "4.8.18", "4.8.19", "4.10.12", "4.10.13", "4.10.14",
    }  # fmt: skip
    assert len(_NOTICE_RUNS) == 11


def _shown(result: TrustResult) -> set[tuple[str, str | None, Certificate]]:
    return {(n.policy, n.explicit_text, n.certificate) for n in result.user_notices}


def _listed(run: PkitsRun, key: str) -> set[tuple[str, str | None, Certificate]]:
    return {(e["policy"], e["text"], cert(e["cert"])) for e in run.run.get(key, [])}


def _check_notices(run: PkitsRun, result: TrustResult) -> None:
    assert result.status is ValidationStatus.VALID, f"{run.id}: {result.reason}"
    shown = _shown(result)
    assert shown == _listed(run, "expected_user_notices"), run.id
    assert not shown & _listed(run, "user_notices_not_to_display"), run.id
    hidden = {e["text"] for e in run.run.get("user_notices_not_to_display", [])}
    assert not hidden & {n.explicit_text for n in result.user_notices}, run.id
    for notice in result.user_notices:
        assert notice.organization is None and notice.notice_numbers == ()
        assert notice.subject == notice.certificate.subject.rfc4514()
        assert notice.certificate in result.chain


@pytest.mark.parametrize("run", _NOTICE_RUNS, ids=_NOTICE_IDS)
def test_pkits_notices_direct(run: PkitsRun) -> None:
    _check_notices(run, run.validate())


@pytest.mark.parametrize("run", _NOTICE_RUNS, ids=_NOTICE_IDS)
def test_pkits_notices_smime(run: PkitsRun) -> None:
    (signature,) = run.open().signatures
    assert signature.trust is not None
    _check_notices(run, signature.trust)


def _pkits_direct(test_id: str, run_number: int = 1) -> TrustResult:
    (run,) = [r for r in RUNS if r.test["id"] == test_id and r.run["run"] == run_number]
    return run.validate()


def test_pkits_over_long_notice_is_accepted_and_reported() -> None:
    # 4.8.19: explicitText over 200 characters; smimelib accepts the path, displays
    # the notice and says that it is over-long
    result = _pkits_direct("4.8.19")
    (notice,) = result.user_notices
    assert notice.explicit_text is not None and len(notice.explicit_text) > 200
    assert any("longer than 200 characters" in f for f in result.findings)


def test_pkits_cps_pointer_is_no_notice() -> None:
    # 4.8.20: a CPS pointer qualifier only: nothing to display, nothing reported
    for run_number in (1, 2):
        result = _pkits_direct("4.8.20", run_number)
        assert result.status is ValidationStatus.VALID
        assert result.user_notices == ()
        assert not any("userNotice" in f for f in result.findings)


def test_pkits_invalid_run_shows_no_notice() -> None:
    # 4.10.13 run 3 fails policy processing: no notice of a rejected path is shown
    result = _pkits_direct("4.10.13", 3)
    assert result.status is ValidationStatus.POLICY
    assert result.user_notices == ()


def test_pkits_qualifier_is_a_visible_string() -> None:
    (info,) = cert("certs/UserNoticeQualifierTest15EE.crt").certificate_policies or ()
    (qualifier,) = info.qualifiers
    assert qualifier.oid == OID_USER_NOTICE_QUALIFIER
    assert qualifier.qualifier[2] == Tag.VISIBLE_STRING.number
    notice = qualifier.user_notice
    assert notice is not None and notice.explicit_text is not None
    assert notice.explicit_text.startswith("q1:  This is the user notice from qualifier 1.")


# -- the command line -------------------------------------------------------------------------

_ANCHOR = vector_path("pkits/certs/TrustAnchorRootCertificate.crt")
_EML = vector_path("pkits/smime/SignedUserNoticeQualifierTest16.eml")
_Q1 = "q1:  This is the user notice from qualifier 1.  This certificate is for test purposes only"


def test_cli_open_json_user_notices() -> None:
    proc = run_smime("open", "--json", "--trust", _ANCHOR, "--at", "2011-04-15T00:00:00Z",
                     "--in", _EML)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (sig,) = json.loads(proc.stdout)["signatures"]
    notices: list[dict[str, Any]] = sig["validation"]["user_notices"]
    assert notices == [
        {
            "policy": "2.16.840.1.101.3.2.1.48.1",
            "explicit_text": _Q1,
            "organization": None,
            "notice_numbers": [],
            "certificate": "CN=User Notice Qualifier EE Certificate Test16,"
            "O=Test Certificates 2011,C=US",
        }
    ]


def test_cli_open_text_user_notices() -> None:
    proc = run_smime("open", "--trust", _ANCHOR, "--at", "2011-04-15T00:00:00Z", "--in", _EML)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    (line,) = [line for line in lines if "user notice" in line]
    assert line.endswith(_Q1)
    assert "2.16.840.1.101.3.2.1.48.1" in line
    assert "qualifier 2" not in proc.stdout.decode()


# -- decoding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text_type", "tag", "text"),
    [
        ("ia5", Tag.IA5_STRING, "Test only, see https://example.test/cps"),
        ("visible", Tag.VISIBLE_STRING, "Visible notice ~ text"),
        ("bmp", Tag.BMP_STRING, "Hinweis: nur für Tests – Ω"),
        ("utf8", Tag.UTF8_STRING, "Avis : réservé aux tests ✓ 😀"),
    ],
)
def test_decode_each_display_text(text_type: Any, tag: Tag, text: str) -> None:
    data = encode_user_notice(text, text_type=text_type)
    assert data[2] == tag.number  # the explicitText's tag
    notice = decode_user_notice(data)
    assert notice == UserNoticeQualifier(text, None, ())
    assert not notice.too_long


def test_decode_notice_reference() -> None:
    data = encode_user_notice(
        "See notice 3", organization="Example Org", notice_numbers=(1, 3, 70000)
    )
    notice = decode_user_notice(data)
    assert notice == UserNoticeQualifier("See notice 3", "Example Org", (1, 3, 70000))
    only_ref = decode_user_notice(encode_user_notice(organization="Org", notice_numbers=(2,)))
    assert only_ref == UserNoticeQualifier(None, "Org", (2,))
    assert decode_user_notice(der.sequence()) == UserNoticeQualifier()


def test_decode_over_long_text_is_accepted_and_flagged() -> None:
    text = "x" * 201
    notice = decode_user_notice(encode_user_notice(text, text_type="visible"))
    assert notice.explicit_text == text and notice.too_long
    assert not decode_user_notice(encode_user_notice("y" * 200)).too_long
    long_org = encode_user_notice(organization="o" * 300, notice_numbers=(1,))
    assert decode_user_notice(long_org).too_long


def _tlv(tag: Tag, content: bytes) -> bytes:
    return der.encode_tlv(tag, content)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (der.encode_utf8("bare text"), "not a SEQUENCE"),
        (der.sequence(der.encode_printable("Printable")), "not an IA5String"),
        (der.sequence(_tlv(Tag.BMP_STRING, b"\x00A\x00")), "not a valid"),
        (der.sequence(_tlv(Tag.BMP_STRING, b"\xd8\x00")), "not a valid"),
        (der.sequence(_tlv(Tag.UTF8_STRING, b"\xff\xfe")), "not a valid"),
        (der.sequence(_tlv(Tag.IA5_STRING, b"caf\xe9")), "not a valid"),
        (der.sequence(_tlv(Tag.VISIBLE_STRING, b"bell\x07")), "not a valid"),
        (der.sequence(_tlv(Tag.UTF8_STRING, b"")), "empty"),
        (der.sequence(der.encode_utf8("a"), der.encode_utf8("b")), "unexpected element"),
        (der.sequence(der.sequence(der.encode_utf8("Org"))), "malformed NoticeReference"),
        (
            der.sequence(der.sequence(der.encode_utf8("Org"), der.sequence(der.encode_utf8("1")))),
            "not an INTEGER",
        ),
        (
            der.sequence(
                der.sequence(
                    der.encode_utf8("Org"),
                    der.sequence(*(der.encode_int(i) for i in range(MAX_NOTICE_NUMBERS + 1))),
                )
            ),
            "noticeNumbers",
        ),
        (der.sequence(der.encode_utf8("z" * (MAX_DISPLAY_TEXT_OCTETS + 1))), "octets"),
        (der.sequence(der.encode_utf8("ok")) + b"\x00", "trailing data"),
    ],
    ids=[
        "not-sequence",
        "printable",
        "bmp-odd",
        "bmp-surrogate",
        "utf8-invalid",
        "ia5-8bit",
        "visible-control",
        "empty",
        "extra",
        "ref-short",
        "ref-number",
        "ref-many",
        "huge",
        "trailing",
    ],
)
def test_decode_malformed(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message) as info:
        decode_user_notice(data, base_offset=100)
    assert info.value.offset is not None and info.value.offset >= 100


def test_encode_refuses_misuse() -> None:
    with pytest.raises(UsageError):
        encode_user_notice("x", text_type="printable")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        encode_user_notice(notice_numbers=(1,))
    with pytest.raises(UsageError):
        encode_user_notice("not ascii: é", text_type="ia5")


def test_policy_information_round_trip() -> None:
    infos = (
        PolicyInformation.with_user_notice(
            "1.2.3.1", "Gold notice", organization="Org", notice_numbers=(7,), text_type="bmp"
        ),
        PolicyInformation.with_cps("1.2.3.2", "https://example.test/cps"),
    )
    parsed = PolicyInformation.parse_all(PolicyInformation.encode_all(infos))
    assert parsed == infos
    gold, silver = parsed
    assert gold.qualifiers[0].user_notice == UserNoticeQualifier("Gold notice", "Org", (7,))
    assert silver.qualifiers[0].user_notice is None
    broken = PolicyQualifier(OID_USER_NOTICE_QUALIFIER, der.encode_utf8("x"))
    with pytest.raises(DecodeError):
        _ = broken.user_notice


# -- builder-made paths -----------------------------------------------------------------------

GOLD, SILVER = "1.2.3.1", "1.2.3.2"
NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
START = NOW - datetime.timedelta(days=10)
_OFF = ValidationPolicy(revocation=RevocationMode.OFF)


@pytest.fixture(scope="module")
def root() -> Identity:
    return make_ca("CN=Notice Root", key_type="p-256", not_before=START)


def _issue(issuer: Identity, name: str, policies: list[PolicyInformation], *, ca: bool) -> Identity:
    key = generate_key("p-256")
    builder = (
        CertificateBuilder()
        .subject_name(name)
        .public_key(key)
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .certificate_policies(policies)
    )
    if ca:
        builder = builder.basic_constraints(ca=True).key_usage({ext.KeyUsage.KEY_CERT_SIGN})
    return Identity(key, builder.sign(issuer.key, issuer=issuer.certificate))


def _texts(result: TrustResult) -> list[tuple[str, str | None, str]]:
    assert result.status is ValidationStatus.VALID, result.reason
    return [(n.policy, n.explicit_text, n.subject) for n in result.user_notices]


@pytest.fixture(scope="module")
def ca(root: Identity) -> Identity:
    return _issue(
        root,
        "CN=Notice CA",
        [
            PolicyInformation.with_user_notice(GOLD, "CA gold notice"),
            PolicyInformation.with_user_notice(SILVER, "CA silver", text_type="ia5"),
        ],
        ca=True,
    )


def test_end_entity_notice_wins_over_the_ca(root: Identity, ca: Identity) -> None:
    leaf = _issue(
        ca,
        "CN=Notice leaf",
        [
            PolicyInformation.with_user_notice(
                GOLD, "Leaf notice", organization="Org", notice_numbers=(4, 2), text_type="bmp"
            ),
            PolicyInformation(SILVER),
        ],
        ca=False,
    )
    result = validate_path(
        [root.certificate, ca.certificate, leaf.certificate], at=NOW, policy=_OFF
    )
    assert _texts(result) == [
        (GOLD, "Leaf notice", "CN=Notice leaf"),
        (SILVER, "CA silver", "CN=Notice CA"),
    ]
    assert result.user_notices[0].organization == "Org"
    assert result.user_notices[0].notice_numbers == (4, 2)
    # only the policies of the user-constrained set speak
    only_silver = ValidationPolicy(
        settings=PolicySettings(initial_policy_set=frozenset({SILVER})),
        revocation=RevocationMode.OFF,
    )
    path = [root.certificate, ca.certificate, leaf.certificate]
    result = validate_path(path, at=NOW, policy=only_silver)
    assert _texts(result) == [(SILVER, "CA silver", "CN=Notice CA")]


def test_malformed_notice_is_a_finding(root: Identity, ca: Identity) -> None:
    broken = PolicyInformation(
        GOLD, (PolicyQualifier(OID_USER_NOTICE_QUALIFIER, der.encode_utf8("not a notice")),)
    )
    leaf = _issue(ca, "CN=Broken notice leaf", [broken], ca=False)
    result = validate_path(
        [root.certificate, ca.certificate, leaf.certificate], at=NOW, policy=_OFF
    )
    # the leaf's own (broken) notice replaces its CA's: nothing is displayed
    assert _texts(result) == []
    assert any("userNotice not displayed, malformed" in f for f in result.findings)
    assert result.user_constrained_policy_set == frozenset({GOLD})


def test_any_policy_notice_stands_for_the_user_policies(root: Identity) -> None:
    # the end entity asserts only anyPolicy (with a notice): 6.1.5 (g)(iii)(3) gives the
    # user's policies the qualifier_set of that anyPolicy node
    leaf = _issue(
        root,
        "CN=Any leaf",
        [PolicyInformation.with_user_notice(ANY_POLICY, "Any notice", text_type="visible")],
        ca=False,
    )
    policy = ValidationPolicy(
        settings=PolicySettings(initial_policy_set=frozenset({GOLD, SILVER})),
        revocation=RevocationMode.OFF,
    )
    result = validate_path([root.certificate, leaf.certificate], at=NOW, policy=policy)
    assert result.user_constrained_policy_set == frozenset({GOLD, SILVER})
    assert _texts(result) == [(ANY_POLICY, "Any notice", "CN=Any leaf")]


def test_expired_path_shows_no_notice(root: Identity, ca: Identity) -> None:
    later = NOW + datetime.timedelta(days=365)
    result = validate_path([root.certificate, ca.certificate], at=later, policy=_OFF)
    assert result.status is ValidationStatus.EXPIRED
    assert result.user_notices == ()


# -- the qualifier_set of the tree's nodes (RFC 5280 6.1.3 (d), 6.1.4 (b), 6.1.5 (g)) --------


def _notice(text: str) -> tuple[PolicyQualifier, ...]:
    return (PolicyQualifier(OID_USER_NOTICE_QUALIFIER, encode_user_notice(text)),)


def test_tree_nodes_keep_their_qualifier_set() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(
        1,
        [GOLD, ANY_POLICY],
        any_policy_allowed=True,
        qualifiers={GOLD: _notice("gold"), ANY_POLICY: _notice("any")},
    )
    nodes = {n.valid_policy: n for n in tree.nodes_at(1)}
    # (d)(1): the certificate's qualifiers of the policy itself
    assert nodes[GOLD].qualifier_set == _notice("gold")
    assert nodes[GOLD].qualifier_policy == GOLD
    # (d)(2): a node made by anyPolicy carries anyPolicy's qualifiers
    assert nodes[ANY_POLICY].qualifier_set == _notice("any")
    assert nodes[ANY_POLICY].qualifier_policy == ANY_POLICY
    # 6.1.4 (b)(1): a mapping through the anyPolicy node copies its qualifier_set
    assert tree.apply_mappings(1, {SILVER: frozenset({"1.2.3.9"})}, mapping_allowed=True)
    (silver,) = [n for n in tree.nodes_at(1) if n.valid_policy == SILVER]
    assert silver.qualifier_set == _notice("any")
    assert silver.qualifier_policy == ANY_POLICY
    assert silver.expected_policy_set == frozenset({"1.2.3.9"})


def test_tree_intersection_copies_the_final_any_policy_qualifiers() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(
        1, [ANY_POLICY], any_policy_allowed=True, qualifiers={ANY_POLICY: _notice("any")}
    )
    assert tree.intersect(frozenset({GOLD}))
    (gold,) = tree.nodes_at(1)
    assert gold.valid_policy == GOLD
    assert gold.qualifier_set == _notice("any") and gold.qualifier_policy == ANY_POLICY


def test_tree_without_qualifiers_has_no_notices() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [GOLD], any_policy_allowed=True)
    (gold,) = tree.nodes_at(1)
    assert gold.qualifier_set == ()
    assert tree.user_notices([]) == ((), ())  # no qualifier: the path is not consulted
