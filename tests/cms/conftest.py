"""Shared fixtures of the CMS tests.

``cms_pki`` (session scope) mints a small PKI with smimelib's own builder -- a P-256
root and one S/MIME signing identity per key type (RSA-2048, P-256, P-384, Ed25519,
Ed448) -- and writes every certificate and private key as PEM files into a temporary
directory, so that the OpenSSL CLI can sign and verify with the same identities.
RSA key generation dominates the cost (~1 s), so it happens once per session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.certificate import Certificate
from smimelib.pki.identity import Identity
from smimelib.pki.keys import private_key_to_pem

#: signing key types of the ``cms_pki`` identities (keys of ``CmsPKI.identities``)
CMS_KEY_TYPES = ("rsa", "p-256", "p-384", "ed25519", "ed448")


@dataclass(frozen=True)
class PemIdentity:
    """An identity and where its PEM files are.

    :ivar cert: the end-entity certificate (PEM).
    :ivar key: the unencrypted PKCS#8 private key (PEM).
    :ivar chain: the issuing root certificate (PEM).
    """

    name: str
    identity: Identity
    cert: Path
    key: Path
    chain: Path

    @property
    def certificate(self) -> Certificate:
        return self.identity.certificate


@dataclass(frozen=True)
class CmsPKI:
    """A root and the signing identities issued by it, with their PEM files in ``directory``."""

    directory: Path
    root: Identity
    root_cert: Path
    identities: Mapping[str, PemIdentity]

    def __getitem__(self, key_type: str) -> PemIdentity:
        return self.identities[key_type]


def _write(directory: Path, name: str, identity: Identity, root_cert: Path) -> PemIdentity:
    cert = directory / f"{name}.crt"
    key = directory / f"{name}.key"
    cert.write_bytes(identity.certificate.to_pem())
    key.write_bytes(private_key_to_pem(identity.key))
    return PemIdentity(name, identity, cert, key, root_cert)


@pytest.fixture(scope="session")
def cms_pki(tmp_path_factory: pytest.TempPathFactory) -> CmsPKI:
    directory = tmp_path_factory.mktemp("cms-pki")
    root = make_ca("CN=smimelib CMS Test Root,O=smimelib tests", key_type="p-256")
    root_cert = directory / "root.crt"
    root_cert.write_bytes(root.certificate.to_pem())
    identities = {}
    for key_type in CMS_KEY_TYPES:
        identity = make_smime_identity(
            f"{key_type}@cms.example", issuer=root, key_type=key_type, usage="sign"
        )
        identities[key_type] = _write(directory, key_type, identity, root_cert)
    return CmsPKI(directory, root, root_cert, identities)


# -- signing tests (cms-sign) ------------------------------------------------------------------


@dataclass(frozen=True)
class SignPKI:
    """A P-256 root and intermediate, and one S/MIME leaf per signing key type (RSA-2048,
    P-256, P-384, P-521, Ed25519, Ed448) issued by the intermediate.

    ``directory`` holds ``root.pem`` and ``intermediate.pem`` for OpenSSL.
    """

    directory: Path
    root: Identity
    intermediate: Identity
    leaves: Mapping[str, Identity]


@pytest.fixture(scope="session")
def sign_pki(tmp_path_factory: pytest.TempPathFactory) -> SignPKI:
    directory = tmp_path_factory.mktemp("sign-pki")
    root = make_ca("CN=smimelib signing test root,O=smimelib tests", key_type="p-256")
    inter = make_ca(
        "CN=smimelib signing test intermediate,O=smimelib tests", key_type="p-256", issuer=root
    )
    (directory / "root.pem").write_bytes(root.certificate.to_pem())
    (directory / "intermediate.pem").write_bytes(inter.certificate.to_pem())
    leaves = {
        kt: make_smime_identity(f"{kt}@signing.example", issuer=inter, key_type=kt)
        for kt in ("rsa", "p-256", "p-384", "p-521", "ed25519", "ed448")
    }
    return SignPKI(directory, root, inter, leaves)


# -- enveloped-data tests (env-tests) ---------------------------------------------------------

#: encryption key types of the ``env_pki`` identities: two RSA-2048 (keyEncipherment), P-256,
#: P-384 (keyAgreement), X25519, X448 (keyAgreement)
ENV_KEY_TYPES = {
    "rsa": "rsa",
    "rsa-b": "rsa",
    "p-256": "p-256",
    "p-384": "p-384",
    "x25519": "x25519",
    "x448": "x448",
}


@dataclass(frozen=True)
class EnvPKI:
    """A P-256 root and one S/MIME *encryption* identity per key type of ``ENV_KEY_TYPES``,
    with their PEM files in ``directory`` (for ``openssl cms -encrypt/-decrypt``)."""

    directory: Path
    root: Identity
    root_cert: Path
    identities: Mapping[str, PemIdentity]

    def __getitem__(self, name: str) -> PemIdentity:
        return self.identities[name]


@pytest.fixture(scope="session")
def env_pki(tmp_path_factory: pytest.TempPathFactory) -> EnvPKI:
    directory = tmp_path_factory.mktemp("env-pki")
    root = make_ca("CN=smimelib enveloped-data test root,O=smimelib tests", key_type="p-256")
    root_cert = directory / "root.crt"
    root_cert.write_bytes(root.certificate.to_pem())
    identities = {}
    for name, key_type in ENV_KEY_TYPES.items():
        identity = make_smime_identity(
            f"{name}@env.example", issuer=root, key_type=key_type, usage="encrypt"
        )
        identities[name] = _write(directory, f"env-{name}", identity, root_cert)
    return EnvPKI(directory, root, root_cert, identities)
