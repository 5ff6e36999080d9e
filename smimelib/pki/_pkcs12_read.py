"""Reading a PKCS#12 file: passwords, the integrity MAC, decryption and the bags (RFC 7292).

Private to :mod:`smimelib.pki.pkcs12`, which re-exports the record types
defined here (:class:`PKCS12Finding`, :class:`BagAttribute`, :class:`SafeBag`,
:class:`KeyEntry`).

Order of work, as RFC 7292 section 5 intends: the MAC over the
AuthenticatedSafe octets is verified first (constant-time comparison), and
only then is anything decrypted or parsed further. The password form that
verified the MAC is the one used to decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from smimelib.asn1.algid import AlgorithmIdentifier
from smimelib.asn1.limits import Limits
from smimelib.crypto import kdf, pbe
from smimelib.crypto.algorithms import Policy
from smimelib.crypto.keys import PrivateKey, PublicKey
from smimelib.errors import (
    DecodeError,
    LimitExceeded,
    PasswordError,
    PolicyError,
    SmimeError,
    UnsupportedAlgorithm,
    UsageError,
)
from smimelib.pki import _pkcs12_asn1 as asn
from smimelib.pki.certificate import Certificate
from smimelib.pki.keys import load_der_private_key

_T = TypeVar("_T")

#: MAC or PBE iteration counts below this are reported as weak (NIST SP 800-132 section 5.2)
MIN_ITERATIONS = 1000
#: deepest nesting of safeContentsBag accepted (real files do not nest at all)
MAX_NESTING = 4
WRONG_PASSWORD = "wrong password for the PKCS#12 file (MAC check failed)"


# -- records -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PKCS12Finding:
    """Something worth telling about how a PKCS#12 file is protected or built.

    :param code: stable identifier: ``"no-integrity"``, ``"legacy-mac"``,
        ``"legacy-encryption"``, ``"weak-encryption"``, ``"low-iterations"``,
        ``"empty-password"``, ``"unencrypted-key"``, ``"legacy-password-encoding"``,
        ``"unmatched-key"``, ``"local-key-id-mismatch"``, ``"unknown-bag"``,
        ``"unsupported-certificate"``.
    :param message: one line for humans.
    :param weak: the finding means the file's protection is weak.
    :param rfc: where the behaviour is specified, if anywhere.
    """

    code: str
    message: str
    weak: bool = False
    rfc: str | None = None


@dataclass(frozen=True, slots=True)
class BagAttribute:
    """One PKCS12Attribute (RFC 7292 section 4.2): the OID, its name and each value's DER."""

    oid: str
    name: str
    values: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class SafeBag:
    """One SafeBag as found in the file (RFC 7292 section 4.2).

    :param bag_id: the bagId OID; ``name`` is its RFC name (``"certBag"``).
    :param attributes: every bag attribute, in file order.
    :param friendly_name: the friendlyName attribute (RFC 2985 section 5.5.1), if any.
    :param local_key_id: the localKeyId attribute (RFC 2985 section 5.5.2), if any.
    :param protection: the password-based scheme that encrypted the bag (its
        EncryptedData's or, for a shrouded key, the key's own); None if stored in clear.
    :param value_type: certId / crlId / secretTypeId of cert, CRL and secret bags.
    :param value: the DER inside ``bagValue [0]`` as received (for a shrouded key the
        still encrypted EncryptedPrivateKeyInfo, for a keyBag the PrivateKeyInfo).
    :param depth: 0 in a top-level SafeContents, 1 and more inside safeContentsBags.
    """

    bag_id: str
    name: str
    attributes: tuple[BagAttribute, ...]
    friendly_name: str | None
    local_key_id: bytes | None
    protection: str | None
    value_type: str | None
    value: bytes = field(repr=False)
    depth: int = 0


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """A private key of the file with the certificate that belongs to it (None if absent)."""

    key: PrivateKey = field(repr=False)
    certificate: Certificate | None
    friendly_name: str | None
    local_key_id: bytes | None


# -- passwords ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Password:
    """One way a writer may have encoded the caller's password.

    ``text`` feeds PBES1, PBES2 and PBMAC1 (octets, RFC 8018 section 3);
    ``pkcs12`` is what :func:`pbe.pbe_decrypt` turns into the BMPString of
    RFC 7292 appendix B.1 (None: no password octets at all); ``bmp`` is that
    BMPString, for the MAC key.
    """

    label: str
    text: bytes
    pkcs12: bytes | None
    bmp: bytes = field(repr=False)


def is_empty(password: bytes | str | None) -> bool:
    return not password_octets(password)


def password_forms(password: bytes | str | None) -> list[Password]:
    """The encodings to try, most likely first (what OpenSSL's PKCS12_parse tries)."""
    raw = password_octets(password)
    if not raw:
        return [
            Password("empty", b"", b"", pbe.pkcs12_password(b"")),
            Password("absent", b"", None, pbe.pkcs12_password(None)),
        ]
    forms: list[Password] = []
    try:
        raw.decode("utf-8")
        forms.append(Password("utf-8", raw, raw, pbe.pkcs12_password(raw)))
    except UnicodeDecodeError:
        # pbe.pkcs12_password widens non-UTF-8 bytes one per character, as OpenSSL does.
        forms.append(Password("bytes", raw, raw, pbe.pkcs12_password(raw)))
        return forms
    if not raw.isascii():
        # OpenSSL before 1.1.0 widened each octet of a UTF-8 password into one code unit.
        legacy = raw.decode("latin-1").encode("utf-8")
        forms.append(Password("legacy-bytes", raw, legacy, pbe.pkcs12_password(legacy)))
    return forms


def password_octets(password: bytes | str | None) -> bytes | None:
    """The caller's password as octets (UTF-8 for text); None stays None."""
    if password is None:
        return None
    if isinstance(password, str):
        try:
            return password.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError("the password is not valid Unicode text") from None
    if isinstance(password, bytes | bytearray | memoryview):
        return bytes(password)
    raise UsageError(f"password must be bytes, str or None, not {type(password).__name__}")


# -- the reader --------------------------------------------------------------------------------
class Reader:
    """Verifies the MAC, then walks the AuthenticatedSafe collecting keys and certificates."""

    def __init__(self, policy: Policy, limits: Limits, forms: list[Password]) -> None:
        self.policy = policy
        self.limits = limits
        self.candidates = forms
        self.verified = False
        self.budget = 4 * policy.max_pbkdf2_iterations
        self.findings: list[PKCS12Finding] = []
        self.mac_name: str | None = None
        self.mac_iterations: int | None = None
        self.schemes: list[str] = []
        self.weak_names: list[str] = []
        self.bags: list[SafeBag] = []
        self.keys: list[tuple[PrivateKey, SafeBag]] = []
        self.certs: list[tuple[Certificate, SafeBag]] = []

    def weak_algorithm(self, name: str) -> None:
        if name not in self.weak_names:
            self.weak_names.append(name)

    def finding(
        self, code: str, message: str, *, weak: bool = False, rfc: str | None = None
    ) -> None:
        item = PKCS12Finding(code, message, weak, rfc)
        if item not in self.findings:
            self.findings.append(item)

    def spend(self, iterations: int, what: str) -> None:
        """Account for one key derivation: per-item and whole-file iteration bounds."""
        kdf.check_iterations(iterations, self.policy, what=what)
        self.budget -= iterations
        if self.budget < 0:
            raise LimitExceeded(
                "the PKCS#12 file's key derivations exceed four times "
                f"Policy.max_pbkdf2_iterations ({self.policy.max_pbkdf2_iterations}) in total",
                limit="max_pbkdf2_iterations",
            )
        if iterations < MIN_ITERATIONS:
            self.finding(
                "low-iterations",
                f"{what} uses only {iterations} iteration(s)",
                weak=True,
                rfc="RFC 7292 appendix B.4",
            )

    # -- integrity (RFC 7292 section 5, RFC 9579) -----------------------------------------------
    def verify_mac(self, auth_safe: bytes, mac: asn.MacData) -> None:
        """Check the MAC and keep only the password form that verified it."""
        if mac.algorithm.oid == asn.ID_PBMAC1:
            matched = self._verify_pbmac1(auth_safe, mac)
        else:
            matched = self._verify_hmac(auth_safe, mac)
        if matched is None:
            raise PasswordError(WRONG_PASSWORD)
        self.candidates = [matched]
        self.verified = True
        if matched.label == "legacy-bytes":
            self.finding(
                "legacy-password-encoding",
                "the password was encoded one byte per character (OpenSSL before 1.1.0), "
                "not as UTF-16",
                rfc="RFC 7292 appendix B.1",
            )

    def _verify_hmac(self, auth_safe: bytes, mac: asn.MacData) -> Password | None:
        oid = mac.algorithm.oid
        info = asn.MAC_DIGESTS.get(oid)
        if info is None:
            raise asn.unsupported(f"unsupported PKCS#12 MAC digest {asn.name_of(oid)}", oid)
        hash_name, display, weak = info
        if not mac.algorithm.parameters_absent_or_null:
            raise DecodeError("the MAC digest algorithm has parameters", offset=mac.offset)
        self.mac_name = f"HMAC-{display}"
        self.mac_iterations = mac.iterations
        if weak:
            # HMAC-SHA-1 is not broken, but legacy; HMAC-MD5 is weak.
            allowed = self.policy.allow_legacy if hash_name == "sha1" else self.policy.allow_weak
            if not allowed:
                raise PolicyError(
                    f"the PKCS#12 MAC uses {self.mac_name}, refused by policy",
                    oid=oid,
                    oid_name=display,
                )
            self.weak_algorithm(self.mac_name)
            self.finding(
                "legacy-mac", f"the MAC uses {self.mac_name}", weak=True, rfc="RFC 7292 section 5"
            )
        size = hashlib.new(hash_name).digest_size
        if len(mac.digest) != size:
            raise DecodeError(
                f"the MAC value is {len(mac.digest)} bytes, {self.mac_name} gives {size}",
                offset=mac.offset,
            )
        self.spend(mac.iterations, "the PKCS#12 MAC")
        matched: Password | None = None
        for form in self.candidates:
            key = pbe.pkcs12_kdf(hash_name, form.bmp, mac.salt, 3, mac.iterations, size)
            computed = hmac.new(key, auth_safe, hash_name).digest()
            if hmac.compare_digest(computed, mac.digest) and matched is None:
                matched = form
        return matched

    def _verify_pbmac1(self, auth_safe: bytes, mac: asn.MacData) -> Password | None:
        prf, salt, iterations, key_length, hash_name = asn.pbmac1_parameters(
            mac.algorithm, self.limits
        )
        self.mac_name = (
            f"PBMAC1/PBKDF2-HMAC-{asn.display_hash(prf)}/HMAC-{asn.display_hash(hash_name)}"
        )
        # RFC 9579 section 3: macSalt and iterations of MacData are ignored; the
        # PBKDF2 parameters hold the real ones.
        self.mac_iterations = iterations
        if "sha1" in (prf, hash_name):
            self.weak_algorithm(self.mac_name)
            self.finding("legacy-mac", f"the MAC uses {self.mac_name}", weak=True, rfc="RFC 9579")
        if len(mac.digest) != hashlib.new(hash_name).digest_size:
            raise DecodeError("the PBMAC1 value has the wrong length", offset=mac.offset)
        self.spend(iterations, "the PKCS#12 PBMAC1")
        # PBKDF2 takes the password's octets, not its BMPString (RFC 9579 section 3),
        # so the forms that differ only in the BMPString share one derivation.
        matched: Password | None = None
        tried: set[bytes] = set()
        for form in self.candidates:
            if form.text in tried:
                continue
            tried.add(form.text)
            key = kdf.pbkdf2(form.text, salt, iterations, key_length, prf)
            computed = hmac.new(key, auth_safe, hash_name).digest()
            if hmac.compare_digest(computed, mac.digest) and matched is None:
                matched = form
        return matched

    # -- privacy -------------------------------------------------------------------------------
    def describe(self, algorithm: AlgorithmIdentifier) -> str:
        """Name a PBE scheme, report it if legacy, and charge its iterations."""
        info = asn.describe_pbe(algorithm, self.limits)
        if info.name not in self.schemes:
            self.schemes.append(info.name)
        if info.weakness:
            code = "weak-encryption" if info.weakness == "weak" else "legacy-encryption"
            self.weak_algorithm(info.name)
            parts = ", ".join(info.weak_parts)
            self.finding(code, f"contents are encrypted with {info.name} ({parts})", weak=True)
        if info.iterations is not None:
            self.spend(info.iterations, info.name)
        return info.name

    def decrypt(self, algorithm: AlgorithmIdentifier, data: bytes, what: str) -> bytes:
        """Decrypt with the verified password form, or (no MAC) with the first that works."""
        pkcs12_scheme = algorithm.oid.startswith(asn.PKCS12_PBE_PREFIX)
        for form in self.candidates:
            password = form.pkcs12 if pkcs12_scheme else form.text
            try:
                plain = pbe.pbe_decrypt(algorithm, password, data, policy=self.policy)
            except PasswordError:
                continue
            self.candidates = [form]
            return plain
        if self.verified:
            raise PasswordError(
                f"the {what} does not decrypt with the password that verified the MAC "
                "(a different privacy password, or a damaged file)"
            )
        raise PasswordError(
            f"wrong password for the PKCS#12 file (the {what} does not decrypt; "
            "the file has no MAC)"
        )

    def decrypted(self, parse: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Parse decrypted data; without a MAC, garbage after decryption means a wrong password."""
        return self.parse(True, parse, *args, **kwargs)

    def parse(self, decrypted: bool, parse: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``parse``; errors in ``decrypted`` data of a file without MAC are PasswordErrors."""
        if self.verified or not decrypted:
            return parse(*args, **kwargs)
        try:
            return parse(*args, **kwargs)
        except (DecodeError, UnsupportedAlgorithm):
            # LimitExceeded included: a wrong password passes the padding check about
            # once in 256 tries, and the garbage then holds arbitrary length fields
            raise PasswordError(
                "wrong password for the PKCS#12 file (decrypted data is malformed; "
                "the file has no MAC)"
            ) from None

    # -- the AuthenticatedSafe ----------------------------------------------------------------
    def read(self, entry: asn.SafeEntry) -> None:
        """Collect the bags of one ContentInfo of the AuthenticatedSafe (RFC 7292 section 4.1)."""
        if entry.encrypted is None:
            bags = asn.parse_safe_contents(entry.payload, self.limits, entry.offset, "SafeContents")
            self.collect(bags, None, 0)
            return
        protection = self.describe(entry.encrypted)
        plain = self.decrypt(entry.encrypted, entry.payload, "encrypted SafeContents")
        bags = self.decrypted(
            asn.parse_safe_contents, plain, self.limits, 0, "decrypted SafeContents"
        )
        self.collect(bags, protection, 0)

    def collect(self, bags: list[asn.RawBag], protection: str | None, depth: int) -> None:
        if depth > MAX_NESTING:
            raise LimitExceeded(
                f"safeContentsBags nested more than {MAX_NESTING} deep",
                limit="pkcs12 nesting",
                offset=bags[0].offset if bags else None,
            )
        for raw in bags:
            if len(self.bags) >= self.limits.max_elements:
                raise LimitExceeded(
                    f"the PKCS#12 file holds more than {self.limits.max_elements} bags",
                    limit="max_elements",
                    offset=raw.offset,
                )
            self._bag(raw, protection, depth)

    def _bag(self, raw: asn.RawBag, protection: str | None, depth: int) -> None:
        attributes, friendly_name, local_key_id = _attributes(raw)
        value_type: str | None = None
        key: PrivateKey | None = None
        cert: Certificate | None = None
        if raw.bag_id == asn.BAG_KEY:
            if protection is None:
                self.finding(
                    "unencrypted-key",
                    "a private key is stored unencrypted (a keyBag outside encrypted data)",
                    weak=True,
                    rfc="RFC 7292 section 4.2.1",
                )
            key = self.parse(protection is not None, self._load_key, raw.value.raw)
        elif raw.bag_id == asn.BAG_SHROUDED_KEY:
            algorithm, ciphertext = asn.encrypted_private_key_info(raw.value)
            protection = self.describe(algorithm)
            plain = self.decrypt(algorithm, ciphertext, "pkcs8ShroudedKeyBag")
            key = self.decrypted(self._load_key, plain)
        elif raw.bag_id == asn.BAG_CERT:
            value_type, inner = asn.two_fields(raw.value, "CertBag")
            if value_type == asn.CERT_X509:
                cert_der = asn.octets(inner, "x509Certificate")
                cert = self.parse(
                    protection is not None, Certificate.from_der, cert_der, limits=self.limits
                )
            else:
                self.finding(
                    "unsupported-certificate",
                    f"a certBag holds a {asn.name_of(value_type)}, kept as raw data",
                )
        elif raw.bag_id in (asn.BAG_CRL, asn.BAG_SECRET):
            value_type, _ = asn.two_fields(raw.value, asn.name_of(raw.bag_id))
        elif raw.bag_id != asn.BAG_SAFE_CONTENTS:
            self.finding(
                "unknown-bag", f"a SafeBag of type {asn.name_of(raw.bag_id)} was kept as raw data"
            )
        bag = SafeBag(
            raw.bag_id,
            asn.name_of(raw.bag_id),
            attributes,
            friendly_name,
            local_key_id,
            protection,
            value_type,
            raw.value.raw,
            depth,
        )
        self.bags.append(bag)
        if key is not None:
            self.keys.append((key, bag))
        if cert is not None:
            self.certs.append((cert, bag))
        if raw.bag_id == asn.BAG_SAFE_CONTENTS:
            self.collect(asn.safe_bags(raw.value, "safeContentsBag"), protection, depth + 1)

    def _load_key(self, der: bytes) -> PrivateKey:
        return load_der_private_key(der, limits=self.limits)

    # -- keys and certificates -----------------------------------------------------------------
    def entries(self) -> list[KeyEntry]:
        """Each key with its certificate; a certificate serves one key at most."""
        entries: list[KeyEntry] = []
        used: set[int] = set()
        for key, bag in self.keys:
            index = self._match(key, bag, used)
            cert: Certificate | None = None
            if index is None:
                self.finding("unmatched-key", "no certificate in the file matches a private key")
            else:
                used.add(index)
                cert = self.certs[index][0]
            entries.append(KeyEntry(key, cert, bag.friendly_name, bag.local_key_id))
        return entries

    def _match(self, key: PrivateKey, bag: SafeBag, used: set[int]) -> int | None:
        """Same localKeyId and public key first, else the first with the same public key."""
        public = key.public_key()
        same_key = [i for i, (c, _) in enumerate(self.certs) if same_public_key(c, public)]
        if bag.local_key_id is not None:
            for i, (_, cert_bag) in enumerate(self.certs):
                if cert_bag.local_key_id == bag.local_key_id and i not in same_key:
                    self.finding(
                        "local-key-id-mismatch",
                        "a certificate carries a key's localKeyId but not its public key",
                    )
            for i in same_key:
                if self.certs[i][1].local_key_id == bag.local_key_id and i not in used:
                    return i
        return next((i for i in same_key if i not in used), None)


def same_public_key(cert: Certificate, public: PublicKey) -> bool:
    """Whether ``cert`` certifies ``public`` (a DSA key may inherit p, q, g: RFC 3279 2.3.2)."""
    try:
        if cert.has_inherited_dsa_parameters:
            return bool(cert.public_key_with_params(public) == public)
        return bool(cert.public_key == public)
    except SmimeError:
        # A certificate whose key cannot be loaded (inherited DSA parameters, an
        # unknown algorithm) belongs to none of the keys that could.
        return False


def _attributes(raw: asn.RawBag) -> tuple[tuple[BagAttribute, ...], str | None, bytes | None]:
    attributes: list[BagAttribute] = []
    friendly_name: str | None = None
    local_key_id: bytes | None = None
    for oid, values in raw.attributes:
        if oid == asn.ATTR_FRIENDLY_NAME:
            friendly_name = values[0].as_string()
        elif oid == asn.ATTR_LOCAL_KEY_ID:
            local_key_id = asn.octets(values[0], "localKeyId")
        attributes.append(BagAttribute(oid, asn.name_of(oid), tuple(v.raw for v in values)))
    return tuple(attributes), friendly_name, local_key_id
