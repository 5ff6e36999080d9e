"""An identity: a private key, its certificate and the chain above it (RFC 8550, RFC 8551).

An :class:`Identity` is what signing and decrypting need. It is frozen, and
refuses to exist when the key does not belong to the certificate, so a
mismatch is found when the files are loaded, not when a peer fails to verify.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from smimelib.crypto.keys import PrivateKey, PublicKey
from smimelib.errors import CertificateError, SmimeError, UsageError
from smimelib.pki.certificate import Certificate, load_certificates

__all__ = ["Identity"]


def _key_matches(key: PrivateKey, cert: Certificate, chain: Iterable[Certificate]) -> bool:
    public = key.public_key()
    if not cert.has_inherited_dsa_parameters:
        return bool(cert.public_key == public)
    # RFC 3279 2.3.2: the certificate's DSA key takes p, q, g from its issuer; look for it
    # in the chain, else compare with the private key's own parameters.
    for candidate in chain:
        if candidate.subject.matches(cert.issuer):
            try:
                return bool(cert.public_key_with_params(candidate) == public)
            except SmimeError:
                continue
    return bool(cert.public_key_with_params(public) == public)


@dataclass(frozen=True)
class Identity:
    """A private key with its certificate and the (untrusted) chain above it.

    :ivar key: the private key.
    :ivar certificate: the end-entity certificate of ``key``.
    :ivar chain: intermediate (and optionally root) certificates, nearest issuer first.
    :raises CertificateError: ``key`` does not match ``certificate``'s public key.
    """

    key: PrivateKey
    certificate: Certificate
    chain: tuple[Certificate, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.key, PrivateKey):
            raise UsageError(f"Identity key must be a PrivateKey, not {type(self.key).__name__}")
        if not isinstance(self.certificate, Certificate):
            raise UsageError("Identity certificate must be a Certificate")
        chain = tuple(self.chain)
        if not all(isinstance(c, Certificate) for c in chain):
            raise UsageError("Identity chain must hold Certificates")
        object.__setattr__(self, "chain", chain)
        if not _key_matches(self.key, self.certificate, chain):
            raise CertificateError(
                "the private key does not match the certificate's public key"
                f" (subject {self.certificate.subject.rfc4514()!r})"
            )

    # -- loading --------------------------------------------------------------------------
    @classmethod
    def from_pem(
        cls,
        cert_pem: bytes | str,
        key_pem: bytes | str | None = None,
        password: bytes | str | None = None,
    ) -> Identity:
        """From PEM text: the certificate(s) and the private key (PEM or DER; encrypted keys
        need ``password``). ``key_pem`` may be omitted when ``cert_pem`` holds the key too.

        The certificate that matches the key is the identity's certificate, whatever its
        position; the others become the chain, in the given order.
        """
        from smimelib.pki.keys import load_private_key

        cert_data = cert_pem.encode("utf-8") if isinstance(cert_pem, str) else bytes(cert_pem)
        key_data = cert_data if key_pem is None else key_pem
        if isinstance(key_data, str):
            key_data = key_data.encode("utf-8")
        key = load_private_key(key_data, password)
        certs = load_certificates(cert_data)
        return cls._from_parts(key, certs)

    @classmethod
    def from_files(
        cls,
        cert_path: str | os.PathLike[str],
        key_path: str | os.PathLike[str] | None = None,
        password: bytes | str | None = None,
    ) -> Identity:
        """Like :meth:`from_pem`, reading files (PEM bundles or a DER certificate/key)."""
        cert_data = _read(cert_path)
        key_data = _read(key_path) if key_path is not None else None
        return cls.from_pem(cert_data, key_data, password)

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | str | None = None) -> Identity:
        """From a PKCS #12 file (RFC 7292): its key, the matching certificate, the rest as chain.

        :raises CertificateError: the file holds no private key or no certificate.
        :raises PasswordError: wrong password.
        """
        from smimelib.pki.pkcs12 import load_pkcs12

        p12 = load_pkcs12(data, password)
        if p12.key is None:
            raise CertificateError("the PKCS #12 file holds no private key")
        if p12.certificate is None:
            raise CertificateError("the PKCS #12 file holds no certificate")
        return cls(p12.key, p12.certificate, tuple(p12.additional_certificates))

    @classmethod
    def _from_parts(cls, key: PrivateKey, certs: list[Certificate]) -> Identity:
        for i, cert in enumerate(certs):
            others = certs[:i] + certs[i + 1 :]
            try:
                if _key_matches(key, cert, others):
                    return cls(key, cert, tuple(others))
            except SmimeError:
                continue
        raise CertificateError("none of the certificates matches the private key")

    # -- conveniences ---------------------------------------------------------------------
    @property
    def public_key(self) -> PublicKey:
        """The public half of :attr:`key` (equal to the certificate's public key)."""
        return self.key.public_key()

    @property
    def email_addresses(self) -> tuple[str, ...]:
        """The certificate's mail addresses (RFC 8550 section 3)."""
        return self.certificate.email_addresses

    def __repr__(self) -> str:
        return (
            f"<Identity {self.certificate.subject.rfc4514()!r} key={self.key.type.value}"
            f" chain={len(self.chain)}>"
        )


def _read(path: str | os.PathLike[str]) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {os.fspath(path)!r}: {exc.strerror}") from None
