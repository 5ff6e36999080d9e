"""The valid_policy_tree of RFC 5280 section 6.1 (``smimelib.pki._policy_tree``).

Unit tests follow the RFC's own figures and rules step by step; the PKITS policy
sections (4.8-4.12) exercise the same code through ``validate_path`` in
``test_validation.py``. The last tests show that a hostile mapping fan-out, which
grows the tree exponentially (CVE-2023-0464), stops at the node cap, both directly
and through ``validate_path`` with builder-minted certificates.
"""

from __future__ import annotations

import datetime

import pytest

from smimelib.asn1 import der
from smimelib.errors import LimitExceeded
from smimelib.pki import extensions as ext
from smimelib.pki._policy_tree import MAX_POLICIES_PER_CERTIFICATE, MAX_POLICY_NODES, PolicyTree
from smimelib.pki.builder import CertificateBuilder, generate_key, make_ca
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.path_results import (
    ANY_POLICY,
    PolicySettings,
    RevocationMode,
    ValidationPolicy,
    ValidationStatus,
)
from smimelib.pki.validation import validate_path

GOLD, SILVER, RED, BLUE = "1.2.3.1", "1.2.3.2", "1.2.3.3", "1.2.3.4"


def test_initial_tree() -> None:
    tree = PolicyTree.initial()
    assert not tree.is_null
    assert tree.depth == 0
    (root,) = tree.nodes_at(0)
    assert root.valid_policy == ANY_POLICY
    assert root.expected_policy_set == frozenset({ANY_POLICY})


def test_unmatched_policies_hang_from_any_policy() -> None:
    # RFC 5280 Figure 5: Gold and Silver under the anyPolicy node
    tree = PolicyTree.initial()
    assert tree.add_certificate_policies(1, [GOLD, SILVER], any_policy_allowed=True)
    assert tree.policies_at(1) == {GOLD, SILVER}
    assert all(n.parent is tree.nodes_at(0)[0] for n in tree.nodes_at(1))
    assert tree.user_constrained_policy_set() == {GOLD, SILVER}


def test_any_policy_expands_the_expected_set() -> None:
    # RFC 5280 Figure 6: a Red node expecting {Gold, Silver}, certificate asserts anyPolicy
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [RED], any_policy_allowed=True)
    tree.apply_mappings(1, {RED: frozenset({GOLD, SILVER})}, mapping_allowed=True)
    assert tree.add_certificate_policies(2, [ANY_POLICY], any_policy_allowed=True)
    assert tree.policies_at(2) == {GOLD, SILVER}
    # the authorities' domain is Red: the mapping happened below it
    assert tree.user_constrained_policy_set() == {RED}


def test_inhibited_any_policy_matches_nothing() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [GOLD], any_policy_allowed=True)
    assert not tree.add_certificate_policies(2, [ANY_POLICY], any_policy_allowed=False)
    assert tree.is_null


def test_pruning_removes_childless_branches() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [GOLD, SILVER], any_policy_allowed=True)
    assert tree.add_certificate_policies(2, [GOLD], any_policy_allowed=True)
    assert tree.policies_at(1) == {GOLD}  # Silver had no child and was deleted
    assert not tree.add_certificate_policies(3, [RED], any_policy_allowed=True)
    assert tree.is_null


def test_mapping_with_policy_mapping_inhibited_deletes_nodes() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [GOLD, SILVER], any_policy_allowed=True)
    assert tree.apply_mappings(1, {GOLD: frozenset({RED})}, mapping_allowed=False)
    assert tree.policies_at(1) == {SILVER}
    assert not tree.apply_mappings(1, {SILVER: frozenset({RED})}, mapping_allowed=False)
    assert tree.is_null


def test_mapping_from_an_any_policy_node() -> None:
    # 6.1.4 (b)(1): no Gold node at depth i, but an anyPolicy node: Gold is created
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [ANY_POLICY], any_policy_allowed=True)
    tree.apply_mappings(1, {GOLD: frozenset({RED, BLUE})}, mapping_allowed=True)
    gold = [n for n in tree.nodes_at(1) if n.valid_policy == GOLD]
    assert len(gold) == 1
    assert gold[0].expected_policy_set == {RED, BLUE}
    assert tree.add_certificate_policies(2, [BLUE], any_policy_allowed=True)
    assert tree.policies_at(2) == {BLUE}
    assert tree.user_constrained_policy_set() == {GOLD}


def test_intersection_with_the_user_initial_policy_set() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [GOLD, SILVER], any_policy_allowed=True)
    tree.add_certificate_policies(2, [GOLD, SILVER], any_policy_allowed=True)
    assert tree.intersect(frozenset({SILVER, RED}))
    assert tree.user_constrained_policy_set() == {SILVER}
    other = PolicyTree.initial()
    other.add_certificate_policies(1, [GOLD], any_policy_allowed=True)
    assert not other.intersect(frozenset({RED}))
    assert other.user_constrained_policy_set() == frozenset()


def test_intersection_replaces_a_final_any_policy_node() -> None:
    # 6.1.5 (g)(iii)(3): a depth-n anyPolicy node stands for the user's policies
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [ANY_POLICY], any_policy_allowed=True)
    tree.add_certificate_policies(2, [ANY_POLICY], any_policy_allowed=True)
    assert tree.user_constrained_policy_set() == {ANY_POLICY}
    assert tree.intersect(frozenset({GOLD, RED}))
    assert tree.policies_at(2) == {GOLD, RED}
    assert tree.user_constrained_policy_set() == {GOLD, RED}


def test_intersection_with_any_policy_is_the_tree() -> None:
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [GOLD], any_policy_allowed=True)
    assert tree.intersect(frozenset({ANY_POLICY}))
    assert tree.user_constrained_policy_set() == {GOLD}


def _fan_out(tree: PolicyTree, width: int, depth: int) -> None:
    # Every policy of one domain maps to every policy of the next: each level has
    # `width` times as many nodes as the one above.
    domains = [[f"1.2.9.{d}.{k}" for k in range(width)] for d in range(depth + 1)]
    for i in range(1, depth + 1):
        tree.add_certificate_policies(i, domains[i - 1], any_policy_allowed=True)
        mapping = {p: frozenset(domains[i]) for p in domains[i - 1]}
        tree.apply_mappings(i, mapping, mapping_allowed=True)


def test_exponential_tree_is_capped() -> None:
    with pytest.raises(LimitExceeded):
        _fan_out(PolicyTree.initial(), width=8, depth=6)  # 8**6 nodes otherwise
    small = PolicyTree.initial(max_nodes=10)
    with pytest.raises(LimitExceeded):
        _fan_out(small, width=3, depth=3)
    assert MAX_POLICY_NODES >= 1000


def test_policies_per_certificate_are_capped() -> None:
    many = [f"1.2.8.{k}" for k in range(MAX_POLICIES_PER_CERTIFICATE + 1)]
    with pytest.raises(LimitExceeded):
        PolicyTree.initial().add_certificate_policies(1, many, any_policy_allowed=True)
    tree = PolicyTree.initial()
    tree.add_certificate_policies(1, [GOLD], any_policy_allowed=True)
    with pytest.raises(LimitExceeded):
        tree.apply_mappings(1, {GOLD: frozenset(many)}, mapping_allowed=True)


# -- through validate_path ------------------------------------------------------------------

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
START = NOW - datetime.timedelta(days=10)


def _mappings_der(pairs: list[tuple[str, str]]) -> bytes:
    return der.sequence(*(der.sequence(der.encode_oid(a), der.encode_oid(b)) for a, b in pairs))


def _ca(issuer: Identity, name: str, policies: list[str], pairs: list[tuple[str, str]]) -> Identity:
    key = generate_key("p-256")
    builder = (
        CertificateBuilder()
        .subject_name(name)
        .public_key(key)
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=30))
        .basic_constraints(ca=True)
        .key_usage({ext.KeyUsage.KEY_CERT_SIGN})
        .certificate_policies(policies)
    )
    if pairs:
        builder = builder.add_extension(
            ext.OID_POLICY_MAPPINGS, _mappings_der(pairs), critical=True
        )
    return Identity(key, builder.sign(issuer.key, issuer=issuer.certificate))


def test_hostile_mapping_chain_fails_bounded() -> None:
    width = 12
    root = make_ca("CN=Policy Root", key_type="p-256", not_before=START)
    domains = [[f"1.2.9.{d}.{k}" for k in range(width)] for d in range(6)]
    path: list[Certificate] = [root.certificate]
    issuer = root
    for d in range(5):
        pairs = [(a, b) for a in domains[d] for b in domains[d + 1]]
        issuer = _ca(issuer, f"CN=Policy CA {d}", domains[d], pairs)
        path.append(issuer.certificate)
    leaf = (
        CertificateBuilder()
        .subject_name("CN=Policy leaf")
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=20))
        .certificate_policies(domains[5])
        .sign(issuer.key, issuer=issuer.certificate)
    )
    path.append(leaf)
    policy = ValidationPolicy(revocation=RevocationMode.OFF)
    result = validate_path(path, at=NOW, policy=policy)
    assert result.status is ValidationStatus.POLICY
    assert "nodes" in (result.reason or "")


def test_mapping_through_validate_path() -> None:
    root = make_ca("CN=Map Root", key_type="p-256", not_before=START)
    ca = _ca(root, "CN=Map CA", [GOLD], [(GOLD, RED)])
    leaf = (
        CertificateBuilder()
        .subject_name("CN=Map leaf")
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=20))
        .certificate_policies([RED])
        .sign(ca.key, issuer=ca.certificate)
    )
    path = [root.certificate, ca.certificate, leaf]

    def run(
        initial: set[str], *, explicit: bool, inhibit: bool = False
    ) -> tuple[ValidationStatus, frozenset[str]]:
        settings = PolicySettings(frozenset(initial), explicit, inhibit, False)
        policy = ValidationPolicy(settings=settings, revocation=RevocationMode.OFF)
        result = validate_path(path, at=NOW, policy=policy)
        return result.status, result.user_constrained_policy_set

    valid, bad = ValidationStatus.VALID, ValidationStatus.POLICY
    assert run({ANY_POLICY}, explicit=True) == (valid, frozenset({GOLD}))
    assert run({GOLD}, explicit=True) == (valid, frozenset({GOLD}))
    assert run({RED}, explicit=True) == (bad, frozenset())  # Red is the leaf's domain
    assert run({ANY_POLICY}, explicit=True, inhibit=True) == (bad, frozenset())
    # mapping inhibited and no explicit policy required: valid, but no policy
    assert run({ANY_POLICY}, explicit=False, inhibit=True) == (valid, frozenset())


def test_mapping_any_policy_is_refused() -> None:
    root = make_ca("CN=Any Root", key_type="p-256", not_before=START)
    ca = _ca(root, "CN=Any CA", [GOLD], [(ANY_POLICY, GOLD)])
    leaf = (
        CertificateBuilder()
        .subject_name("CN=Any leaf")
        .public_key(generate_key("p-256"))
        .not_valid_before(START)
        .not_valid_after(NOW + datetime.timedelta(days=20))
        .sign(ca.key, issuer=ca.certificate)
    )
    result = validate_path(
        [root.certificate, ca.certificate, leaf],
        at=NOW,
        policy=ValidationPolicy(revocation=RevocationMode.OFF),
    )
    assert result.status is ValidationStatus.POLICY
    assert "anyPolicy" in (result.reason or "")
