"""The signature rules shared by certificates, CRLs and OCSP responses (smimelib.pki._signed)."""

from __future__ import annotations

import pytest

from smimelib.asn1.algid import NULL, AlgorithmIdentifier
from smimelib.errors import PolicyError
from smimelib.pki._signed import refuse_broken_digest

MD5_RSA = AlgorithmIdentifier("1.2.840.113549.1.1.4", NULL)
SHA1_RSA = AlgorithmIdentifier("1.2.840.113549.1.1.5", NULL)
SHA256_RSA = AlgorithmIdentifier("1.2.840.113549.1.1.11", NULL)
SHA256_ECDSA = AlgorithmIdentifier("1.2.840.10045.4.3.2")


def test_md5_signatures_are_refused_whatever_the_policy() -> None:
    with pytest.raises(PolicyError, match="never accepted") as info:
        refuse_broken_digest(MD5_RSA)
    assert info.value.oid == MD5_RSA.oid


@pytest.mark.parametrize("algorithm", [SHA1_RSA, SHA256_RSA, SHA256_ECDSA])
def test_other_digests_are_left_to_the_policy(algorithm: AlgorithmIdentifier) -> None:
    refuse_broken_digest(algorithm)  # SHA-1 is the policy's decision, not a hard refusal
