"""Path building (smimelib.pki.pathbuild): candidates by name and key identifier, order,
cross-certificates, loops, self-issued rollover and the work limits; and, on PKITS
certificates, the path found whatever the order of the hints and the distractors."""

from __future__ import annotations

import datetime
import functools
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smimelib.errors import UsageError
from smimelib.pki.builder import generate_key, make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.path_results import ValidationPolicy, ValidationStatus
from smimelib.pki.pathbuild import PathSearch, build_paths
from tests.vectors import load_vector, vector_path


def _ca(name: str, issuer: Identity | None = None, **kw: object) -> Identity:
    return make_ca(name, key_type="p-256", issuer=issuer, **kw)  # type: ignore[arg-type]


class _PKI:
    """root -> inter -> leaf, plus a second key for the same intermediate name."""

    def __init__(self) -> None:
        self.root = _ca("CN=PB Root")
        self.inter = _ca("CN=PB Inter", self.root)
        self.inter_other_key = _ca("CN=PB Inter", self.root)
        self.leaf = make_smime_identity("pb@example.com", issuer=self.inter, key_type="p-256")


@pytest.fixture(scope="module")
def pki() -> _PKI:
    return _PKI()


def _paths(search: PathSearch) -> list[tuple[Certificate, ...]]:
    return list(search)


def test_simple_chain(pki: _PKI) -> None:
    search = build_paths(pki.leaf.certificate, [pki.root.certificate], [pki.inter.certificate])
    assert _paths(search) == [(pki.root.certificate, pki.inter.certificate, pki.leaf.certificate)]
    assert search.paths_found == 1 and not search.limit_reached


def test_target_that_is_an_anchor(pki: _PKI) -> None:
    search = build_paths(pki.root.certificate, [pki.root.certificate])
    assert _paths(search) == [(pki.root.certificate,)]


def test_intermediate_order_does_not_matter(pki: _PKI) -> None:
    pool = [pki.leaf.certificate, pki.inter_other_key.certificate, pki.inter.certificate]
    for order in itertools.permutations(pool):
        paths = _paths(build_paths(pki.leaf.certificate, [pki.root.certificate], order))
        # the intermediate whose SKI is the leaf's AKI comes first; the other key second
        assert paths[0] == (pki.root.certificate, pki.inter.certificate, pki.leaf.certificate)
        assert paths[1][1] == pki.inter_other_key.certificate
        assert len(paths) == 2


def test_anchor_first_among_equals(pki: _PKI) -> None:
    # the intermediate is both an anchor and in the pool: the anchor ends the path
    search = build_paths(
        pki.leaf.certificate,
        [pki.root.certificate, pki.inter.certificate],
        [pki.inter.certificate],
    )
    paths = _paths(search)
    assert paths[0] == (pki.inter.certificate, pki.leaf.certificate)
    assert all(p[0] in (pki.root.certificate, pki.inter.certificate) for p in paths)


def test_missing_issuer_is_name_chaining(pki: _PKI) -> None:
    search = build_paths(pki.leaf.certificate, [pki.root.certificate])
    assert _paths(search) == []
    failure = search.failure()
    assert failure.status is ValidationStatus.NAME_CHAINING
    assert failure.certificate == pki.leaf.certificate
    assert "CN=PB Inter" in failure.reason and "6.1.3 (a)(4)" in failure.reason
    assert failure.partial_chain == (pki.leaf.certificate,)


def test_self_signed_non_anchor_is_untrusted_root(pki: _PKI) -> None:
    other_root = _ca("CN=Other Root")
    search = build_paths(
        pki.leaf.certificate,
        [other_root.certificate],
        [pki.inter.certificate, pki.root.certificate],
    )
    assert _paths(search) == []
    failure = search.failure()
    assert failure.status is ValidationStatus.UNTRUSTED_ROOT
    assert failure.certificate == pki.root.certificate
    assert failure.partial_chain == (
        pki.leaf.certificate,
        pki.inter.certificate,
        pki.root.certificate,
    )


def test_cross_certificate() -> None:
    root_a = _ca("CN=Root A")
    root_b = _ca("CN=Root B")
    # Root B's key certified by Root A: a cross-certificate
    cross = make_ca("CN=Root B", key=root_b.key, issuer=root_a)
    inter = _ca("CN=Inter B", root_b)
    leaf = make_smime_identity("x@example.com", issuer=inter, key_type="p-256")
    pool = [inter.certificate, cross.certificate, root_b.certificate]
    paths = _paths(build_paths(leaf.certificate, [root_a.certificate], pool))
    assert paths == [(root_a.certificate, cross.certificate, inter.certificate, leaf.certificate)]
    # with both roots trusted, the direct path to Root B comes first, the cross path next
    both = _paths(build_paths(leaf.certificate, [root_a.certificate, root_b.certificate], pool))
    assert both[0] == (root_b.certificate, inter.certificate, leaf.certificate)
    assert (root_a.certificate, cross.certificate, inter.certificate, leaf.certificate) in both


def test_cycle_ends() -> None:
    # X and Y certify each other; neither chains to the anchor
    anchor = _ca("CN=Cycle Anchor")
    x_key, y_key = generate_key("p-256"), generate_key("p-256")
    seed_x = make_ca("CN=Cycle X", key=x_key)
    seed_y = make_ca("CN=Cycle Y", key=y_key)
    x_by_y = make_ca("CN=Cycle X", key=x_key, issuer=seed_y)
    y_by_x = make_ca("CN=Cycle Y", key=y_key, issuer=seed_x)
    leaf = make_smime_identity("c@example.com", issuer=x_by_y, key_type="p-256")
    search = build_paths(
        leaf.certificate, [anchor.certificate], [x_by_y.certificate, y_by_x.certificate]
    )
    assert _paths(search) == []
    assert search.failure().status is ValidationStatus.NAME_CHAINING
    assert not search.limit_reached


def test_same_logical_ca_is_never_repeated() -> None:
    # two certificates for the same (subject, key) must not both appear in one path
    root = _ca("CN=Logical Root")
    key = generate_key("p-256")
    first = make_ca("CN=Logical CA", key=key, issuer=root)
    second = make_ca("CN=Logical CA", key=key, issuer=root)
    leaf = make_smime_identity("l@example.com", issuer=first, key_type="p-256")
    paths = _paths(
        build_paths(leaf.certificate, [root.certificate], [first.certificate, second.certificate])
    )
    assert len(paths) == 2
    for path in paths:
        assert len(path) == 3
        assert len({(c.subject.der, c.spki_der) for c in path}) == 3


def _chain(length: int) -> tuple[Identity, list[Identity], Identity]:
    root = _ca("CN=Long Root")
    cas = []
    issuer = root
    for i in range(length):
        issuer = _ca(f"CN=Long CA {i}", issuer)
        cas.append(issuer)
    leaf = make_smime_identity("long@example.com", issuer=issuer, key_type="p-256")
    return root, cas, leaf


def test_max_chain_length() -> None:
    root, cas, leaf = _chain(4)  # 6 certificates with the leaf and the root
    pool = [c.certificate for c in cas]
    ok = build_paths(
        leaf.certificate, [root.certificate], pool, policy=ValidationPolicy(max_chain_length=6)
    )
    assert len(_paths(ok)) == 1
    short = build_paths(
        leaf.certificate, [root.certificate], pool, policy=ValidationPolicy(max_chain_length=5)
    )
    assert _paths(short) == []
    assert short.limit_reached
    assert short.failure().status is ValidationStatus.PATH_BUILDING_LIMIT


def test_self_issued_rollover_does_not_count() -> None:
    # root -> CA (old key) -> CA (new key, self-issued) -> leaf: one logical intermediate
    root = _ca("CN=Roll Root")
    old = _ca("CN=Roll CA", root)
    new = make_ca("CN=Roll CA", key_type="p-256", issuer=old)
    assert new.certificate.is_self_issued
    leaf = make_smime_identity("r@example.com", issuer=new, key_type="p-256")
    pool = [old.certificate, new.certificate]
    policy = ValidationPolicy(max_chain_length=3)
    paths = _paths(build_paths(leaf.certificate, [root.certificate], pool, policy=policy))
    assert paths[0] == (root.certificate, old.certificate, new.certificate, leaf.certificate)
    # a path of four real certificates, but never more than twice the limit
    assert all(len(p) <= 6 for p in paths)


def test_max_paths_and_candidates() -> None:
    # a fan-out of 6 same-name CAs at each of two levels: 36 complete paths
    root = _ca("CN=Fan Root")
    upper = [_ca("CN=Fan Upper", root) for _ in range(6)]
    lower_key = generate_key("p-256")
    lower = [make_ca("CN=Fan Lower", key=lower_key, issuer=u) for u in upper]
    leaf = make_smime_identity("f@example.com", issuer=lower[0], key_type="p-256")
    pool = [c.certificate for c in (*upper, *lower)]
    everything = ValidationPolicy(max_paths=100, max_candidates=100)
    # the six lower certificates are one logical CA (same subject, same key): one per path
    all_paths = _paths(build_paths(leaf.certificate, [root.certificate], pool, policy=everything))
    assert len(all_paths) == 36
    few = build_paths(
        leaf.certificate, [root.certificate], pool, policy=ValidationPolicy(max_paths=3)
    )
    assert len(_paths(few)) == 3 and few.limit_reached
    tight = build_paths(
        leaf.certificate, [root.certificate], pool, policy=ValidationPolicy(max_candidates=4)
    )
    found = _paths(tight)
    assert len(found) <= 4 and tight.limit_reached


def test_pathological_fan_out_is_bounded() -> None:
    # every CA of each of 4 levels may issue every CA of the level below: without the
    # candidate cap the search would visit 5**4 paths
    root = _ca("CN=DoS Root")
    levels: list[list[Identity]] = []
    keys = [[generate_key("p-256") for _ in range(5)] for _ in range(4)]
    above = [root]
    for depth in range(4):
        level = [make_ca(f"CN=DoS {depth}", key=keys[depth][i], issuer=above[0]) for i in range(5)]
        levels.append(level)
        above = level
    leaf = make_smime_identity("d@example.com", issuer=above[0], key_type="p-256")
    pool = [c.certificate for level in levels for c in level]
    search = build_paths(
        leaf.certificate,
        [_ca("CN=Unrelated").certificate],
        pool,
        policy=ValidationPolicy(max_candidates=20),
    )
    assert _paths(search) == []
    assert search.limit_reached
    assert search.failure().status is ValidationStatus.PATH_BUILDING_LIMIT


def test_currently_valid_issuer_first() -> None:
    root = _ca("CN=Time Root")
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    key = generate_key("p-256")
    expired = make_ca("CN=Time CA", key=key, issuer=root, not_before=past, days=10)
    current = make_ca("CN=Time CA", key=key, issuer=root)
    leaf = make_smime_identity("t@example.com", issuer=current, key_type="p-256")
    now = datetime.datetime.now(datetime.UTC)
    paths = _paths(
        build_paths(
            leaf.certificate,
            [root.certificate],
            [expired.certificate, current.certificate],
            at=now,
        )
    )
    assert paths[0][1] == current.certificate
    assert paths[1][1] == expired.certificate


def test_usage_errors(pki: _PKI) -> None:
    search = build_paths(pki.leaf.certificate, [pki.root.certificate], [pki.inter.certificate])
    list(search)
    with pytest.raises(UsageError):
        list(search)
    with pytest.raises(UsageError):
        build_paths(pki.leaf.certificate, [b"not a certificate"])  # type: ignore[list-item]
    with pytest.raises(UsageError):
        build_paths(pki.leaf.certificate, [pki.root.certificate], at=datetime.datetime(2020, 1, 1))
    with pytest.raises(UsageError):
        build_paths(
            pki.leaf.certificate,
            [pki.root.certificate],
            policy=ValidationPolicy(max_paths=0),
        )


# -- PKITS certificates: order and distractors do not change the path found --------------


@functools.cache
def _pkits() -> tuple[list[dict[str, Any]], dict[str, Certificate]]:
    suite = json.loads(load_vector("pkits/pkits.json"))
    certs = {
        "certs/" + p.name: Certificate.from_der(p.read_bytes())
        for p in sorted(vector_path("pkits/certs").iterdir())
    }
    valid = [
        t
        for t in suite["tests"]
        if all(r["expected"] == "valid" for r in t["runs"]) and t["id"] not in ("4.3.1", "4.3.2")
    ]
    return valid, certs


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_pkits_path_found_whatever_the_hints(data: st.DataObject) -> None:
    tests, certs = _pkits()
    test = data.draw(st.sampled_from(tests), label="test")
    others = data.draw(
        st.lists(st.sampled_from(sorted(certs)), max_size=40, unique=True), label="distractors"
    )
    hints = [*test["path"][1:-1], *test["other_certs"], *others]
    order = data.draw(st.permutations(hints), label="order")
    search = build_paths(
        certs[test["target"]],
        [certs[test["trust_anchor"]]],
        [certs[name] for name in order],
        policy=ValidationPolicy(max_paths=64, max_candidates=256),
    )
    expected = tuple(certs[name] for name in test["path"])
    assert expected in list(search)
