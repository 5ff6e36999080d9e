"""Session-wide test PKI, minted once with smimelib's own builder.

``minted_pki`` holds an RSA root, an RSA intermediate (pathLen 0) and one S/MIME
end entity per key type issued by the intermediate, plus an Ed25519 root with
an X25519 end entity (RFC 8410 / RFC 9216 style). RSA key generation dominates
the cost (~1 s per key), so the whole set is built once per session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from smimelib.pki.builder import make_ca, make_smime_identity
from smimelib.pki.identity import Identity
from tests.peers import require_tool

#: key types of the end entities under the RSA intermediate
LEAF_KEY_TYPES = ("rsa", "p-256", "p-384", "p-521", "ed25519", "x25519")


@dataclass(frozen=True)
class MintedPKI:
    """A root -> intermediate -> leaves hierarchy, and a separate Ed25519 hierarchy."""

    root: Identity
    intermediate: Identity
    leaves: Mapping[str, Identity]
    ed25519_root: Identity
    x25519_leaf: Identity

    def leaf(self, key_type: str) -> Identity:
        return self.leaves[key_type]


@pytest.fixture(scope="session")
def minted_pki() -> MintedPKI:
    root = make_ca("CN=smimelib Test Root,O=smimelib tests,C=DE")
    intermediate = make_ca(
        "CN=smimelib Test Intermediate,O=smimelib tests,C=DE", issuer=root, path_length=0
    )
    leaves = {
        kt: make_smime_identity(
            f"{kt}@example.com", issuer=intermediate, key_type=kt, name=f"Test {kt}"
        )
        for kt in LEAF_KEY_TYPES
    }
    ed_root = make_ca("CN=smimelib Ed25519 Root,O=smimelib tests", key_type="ed25519")
    x_leaf = make_smime_identity("dana@example.com", issuer=ed_root, key_type="x25519")
    return MintedPKI(root, intermediate, leaves, ed_root, x_leaf)


@pytest.fixture(scope="module")
def openssl_present() -> None:
    """Skip (or, under CI, fail) before a hypothesis test starts when OpenSSL is missing."""
    require_tool("openssl")
