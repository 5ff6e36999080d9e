"""Choosing the content cipher from recipients' SMIMECapabilities (RFC 8551 2.5.2, 2.7.1).

RFC 8551 2.7.1.1: when the sender knows a recipient's capabilities (from a
signed message the recipient sent, whose SMIMECapabilities attribute lists the
algorithms it reads), it uses one of them. :func:`choose_cipher` picks the
strongest cipher in :data:`PREFERENCE` that *every* recipient listed; when some
recipient is unknown it returns ``None`` and the default (AES-256-GCM) is used;
when all are known but share nothing stronger, AES-128-CBC, which RFC 8551 2.7
makes mandatory to implement, is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.cms import Recipient
from smimelib.cms.attributes import (
    DEFAULT_CAPABILITIES,
    capability_preference,
    decode_smime_capabilities,
)
from smimelib.cms.results import SignerResult
from smimelib.crypto.algorithms import lookup_name
from smimelib.errors import SmimeError, UsageError
from smimelib.pki.certificate import Certificate
from smimelib.report import OpenedMessage

__all__ = [
    "MANDATORY_CIPHER",
    "PREFERENCE",
    "Capabilities",
    "CapabilitiesCache",
    "capabilities_of",
    "choose_cipher",
]

#: strongest first: the order smimelib itself announces in SMIMECapabilities, so that
#: what it sends and what it asks others to send agree (RFC 8551 2.7: AEAD first)
PREFERENCE = tuple(capability_preference(DEFAULT_CAPABILITIES))
#: what every RFC 8551 receiver reads (section 2.7)
MANDATORY_CIPHER = "aes-128-cbc"
_OID_OF = {name: lookup_name(name).oid for name in PREFERENCE}
_OID_SMIME_CAPABILITIES = "1.2.840.113549.1.9.15"

#: capabilities by e-mail address: algorithm OIDs (or AlgorithmIdentifiers)
Capabilities = Mapping[str, Iterable[str | AlgorithmIdentifier]]


def _norm(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if local else address


def capabilities_of(result: SignerResult) -> tuple[str, ...] | None:
    """The capability OIDs a signer listed (RFC 8551 2.5.2), or ``None`` when absent."""
    attrs = result.signer_info.signed_attrs
    if attrs is None:
        return None
    found = attrs.get(_OID_SMIME_CAPABILITIES)
    if len(found) != 1:
        return None
    try:
        return tuple(alg.oid for alg in decode_smime_capabilities(found[0]))
    except SmimeError:
        return None


class CapabilitiesCache:
    """What each correspondent said it can read, learnt from messages it signed.

    Only signatures that are valid, trusted and bound to the From address
    (:attr:`OpenedMessage.ok`) are learnt from, keyed by the signer certificate's
    addresses; the latest message wins. This is the one mutable object of the API: a
    cache the caller owns and feeds explicitly (no hidden global state).
    """

    __slots__ = ("_by_address",)

    def __init__(self) -> None:
        self._by_address: dict[str, tuple[str, ...]] = {}

    def learn(self, report: OpenedMessage) -> int:
        """Record the capabilities of the signers of an ok ``report``; how many learnt."""
        if not report.ok:
            return 0
        learnt = 0
        for sig in report.signatures:
            caps = capabilities_of(sig.result)
            cert = sig.result.certificate
            if caps is None or cert is None:
                continue
            for address in cert.mailboxes:
                self._by_address[_norm(address)] = caps
            learnt += 1
        return learnt

    def record(self, address: str, algorithms: Iterable[str | AlgorithmIdentifier]) -> None:
        """Record ``address``'s capabilities given by other means (a directory, a config)."""
        self._by_address[_norm(address)] = tuple(
            a.oid if isinstance(a, AlgorithmIdentifier) else a for a in algorithms
        )

    def get(self, address: str) -> tuple[str, ...] | None:
        """The recorded capability OIDs of ``address``."""
        return self._by_address.get(_norm(address))

    def as_mapping(self) -> dict[str, tuple[str, ...]]:
        """A copy of the cache, address to capability OIDs."""
        return dict(self._by_address)


def _caps_for(cert: Certificate, known: Mapping[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    for address in cert.mailboxes:
        caps = known.get(_norm(address))
        if caps is not None:
            return caps
    return None


def choose_cipher(
    recipients: Sequence[Certificate | Recipient],
    capabilities: Capabilities | CapabilitiesCache,
) -> str | None:
    """The strongest cipher every recipient listed; ``None`` when one is unknown."""
    if isinstance(capabilities, CapabilitiesCache):
        known = capabilities.as_mapping()
    elif isinstance(capabilities, Mapping):
        known = {
            _norm(k): tuple(a.oid if isinstance(a, AlgorithmIdentifier) else a for a in v)
            for k, v in capabilities.items()
        }
    else:
        raise UsageError("capabilities must be a mapping of address to algorithms, or a cache")
    sets: list[frozenset[str]] = []
    for recipient in recipients:
        if not isinstance(recipient, Certificate):
            return None
        caps = _caps_for(recipient, known)
        if caps is None:
            return None
        sets.append(frozenset(caps))
    for name in PREFERENCE:
        if all(_OID_OF[name] in caps for caps in sets):
            return name
    return MANDATORY_CIPHER
