"""The minimal M4 TrustStore: chains to anchors by name, signature, dates and CA flag."""

from __future__ import annotations

import datetime

import pytest

from smimelib.errors import UsageError
from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.identity import Identity
from smimelib.pki.trust import MAX_CHAIN_LENGTH, TrustStore


class _Chain:
    def __init__(self) -> None:
        self.root = make_ca("CN=Trust Root", key_type="p-256")
        self.inter = make_ca("CN=Trust Inter", key_type="p-256", issuer=self.root)
        self.leaf = make_smime_identity("leaf@example.com", issuer=self.inter, key_type="p-256")
        self.impostor_root = make_ca("CN=Trust Root", key_type="p-256")  # same name, other key


@pytest.fixture(scope="module")
def chain() -> _Chain:
    return _Chain()


def test_chain_through_intermediate(chain: _Chain) -> None:
    store = TrustStore([chain.root.certificate])
    result = store.validate(chain.leaf.certificate, [chain.inter.certificate])
    assert result.trusted and result.reason is None
    assert result.chain == (
        chain.leaf.certificate,
        chain.inter.certificate,
        chain.root.certificate,
    )
    assert "no RFC 5280 M5 checks" in result.scope


def test_missing_intermediate(chain: _Chain) -> None:
    result = TrustStore([chain.root.certificate]).validate(chain.leaf.certificate)
    assert not result.trusted and result.reason == "no chain to a trust anchor"


def test_same_name_other_key_is_not_an_anchor(chain: _Chain) -> None:
    store = TrustStore([chain.impostor_root.certificate])
    assert not store.validate(chain.leaf.certificate, [chain.inter.certificate]).trusted


def test_anchor_itself_and_pem_loading(chain: _Chain) -> None:
    pem = chain.impostor_root.certificate.to_pem() + chain.root.certificate.to_pem()
    store = TrustStore.from_pem(pem)
    assert len(store.anchors) == 2
    assert store.validate(chain.root.certificate).trusted
    # the impostor is tried first and fails the signature check; the real root follows
    assert store.validate(chain.leaf.certificate, [chain.inter.certificate]).trusted


def test_validity_dates(chain: _Chain) -> None:
    store = TrustStore([chain.root.certificate])
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=4000)
    result = store.validate(chain.leaf.certificate, [chain.inter.certificate], at=later)
    assert not result.trusted
    with pytest.raises(UsageError):
        store.validate(chain.leaf.certificate, at=datetime.datetime(2026, 1, 1))


def test_end_entity_cannot_issue(chain: _Chain) -> None:
    # a leaf whose issuer is an end entity (no basicConstraints cA) is not trusted
    fake_ca = Identity(chain.leaf.key, chain.leaf.certificate)
    victim = make_smime_identity("v@example.com", issuer=fake_ca, key_type="p-256")
    store = TrustStore([chain.root.certificate])
    result = store.validate(victim.certificate, [chain.leaf.certificate, chain.inter.certificate])
    assert not result.trusted


def test_long_chains_are_bounded() -> None:
    ca = make_ca("CN=Long 0", key_type="p-256")
    root = ca
    for i in range(1, MAX_CHAIN_LENGTH + 1):
        ca = make_ca(f"CN=Long {i}", key_type="p-256", issuer=ca)
    leaf = make_smime_identity("deep@example.com", issuer=ca, key_type="p-256")
    store = TrustStore([root.certificate])
    result = store.validate(leaf.certificate, leaf.chain)
    assert not result.trusted
    short = store.validate(leaf.chain[-3], leaf.chain[-2:])
    assert short.trusted and len(short.chain) == 3


def test_repr_and_immutability(chain: _Chain) -> None:
    store = TrustStore()
    bigger = store.with_anchors([chain.root.certificate])
    assert store.anchors == () and len(bigger.anchors) == 1
    assert repr(bigger) == "TrustStore(1 anchors)"
    with pytest.raises(UsageError):
        TrustStore([b"not a certificate"])  # type: ignore[list-item]
