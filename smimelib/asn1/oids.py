"""OBJECT IDENTIFIER names for errors, reports and ``smime dump``.

Names are those of the RFC ASN.1 modules (RFC 5652, 5911, 5912, 6268, 8017,
8018, 2985, 7292, 5280, 5753, 8410, 8418, 8702, ...). A few OIDs carry extra
aliases (``id-sha256`` for ``sha256``, ``CN`` for ``id-at-commonName``) so that
:func:`oid_of` finds them under the names people use. Modules that need an OID
missing here call :func:`register` at import time.
"""

from __future__ import annotations

from smimelib.errors import UsageError

__all__ = ["describe", "name_of", "names", "oid_of", "register"]

_RSADSI = "1.2.840.113549"
_PKCS1 = _RSADSI + ".1.1"
_PKCS5 = _RSADSI + ".1.5"
_PKCS7 = _RSADSI + ".1.7"
_PKCS9 = _RSADSI + ".1.9"
_PKCS12 = _RSADSI + ".1.12"
_SMIME = _PKCS9 + ".16"
_CT = _SMIME + ".1"
_AA = _SMIME + ".2"
_ALG = _SMIME + ".3"
_DIGEST = _RSADSI + ".2"
_ENC = _RSADSI + ".3"
_NIST = "2.16.840.1.101.3.4"
_AES = _NIST + ".1"
_HASH = _NIST + ".2"
_SIGALG = _NIST + ".3"
_X962 = "1.2.840.10045"
_SECG = "1.3.132"
_X963 = "1.3.133.16.840.63.0"
_PKIX = "1.3.6.1.5.5.7"
_CE = "2.5.29"
_AT = "2.5.4"

# (dotted OID, primary name, aliases...)
_TABLE: tuple[tuple[str, ...], ...] = (
    # PKCS #1 (RFC 8017 appendix C, RFC 4055, RFC 5912 PKIX1-PSS-OAEP)
    (_RSADSI + ".1", "pkcs"),
    (_PKCS1, "pkcs-1"),
    (_PKCS1 + ".1", "rsaEncryption"),
    (_PKCS1 + ".2", "md2WithRSAEncryption"),
    (_PKCS1 + ".3", "md4WithRSAEncryption"),
    (_PKCS1 + ".4", "md5WithRSAEncryption"),
    (_PKCS1 + ".5", "sha1WithRSAEncryption", "sha-1WithRSAEncryption"),
    (_PKCS1 + ".7", "id-RSAES-OAEP"),
    (_PKCS1 + ".8", "id-mgf1"),
    (_PKCS1 + ".9", "id-pSpecified"),
    (_PKCS1 + ".10", "id-RSASSA-PSS"),
    (_PKCS1 + ".11", "sha256WithRSAEncryption"),
    (_PKCS1 + ".12", "sha384WithRSAEncryption"),
    (_PKCS1 + ".13", "sha512WithRSAEncryption"),
    (_PKCS1 + ".14", "sha224WithRSAEncryption"),
    (_PKCS1 + ".15", "sha512-224WithRSAEncryption"),
    (_PKCS1 + ".16", "sha512-256WithRSAEncryption"),
    # PKCS #5 (RFC 8018 appendix C)
    (_PKCS5, "pkcs-5"),
    (_PKCS5 + ".1", "pbeWithMD2AndDES-CBC"),
    (_PKCS5 + ".3", "pbeWithMD5AndDES-CBC"),
    (_PKCS5 + ".4", "pbeWithMD2AndRC2-CBC"),
    (_PKCS5 + ".6", "pbeWithMD5AndRC2-CBC"),
    (_PKCS5 + ".10", "pbeWithSHA1AndDES-CBC"),
    (_PKCS5 + ".11", "pbeWithSHA1AndRC2-CBC"),
    (_PKCS5 + ".12", "id-PBKDF2"),
    (_PKCS5 + ".13", "id-PBES2"),
    (_PKCS5 + ".14", "id-PBMAC1"),
    # digest and HMAC algorithms under rsadsi (RFC 8018, RFC 4231, RFC 3279)
    (_DIGEST + ".2", "md2", "id-md2"),
    (_DIGEST + ".4", "md4", "id-md4"),
    (_DIGEST + ".5", "md5", "id-md5"),
    (_DIGEST + ".7", "hmacWithSHA1", "id-hmacWithSHA1"),
    (_DIGEST + ".8", "hmacWithSHA224", "id-hmacWithSHA224"),
    (_DIGEST + ".9", "hmacWithSHA256", "id-hmacWithSHA256"),
    (_DIGEST + ".10", "hmacWithSHA384", "id-hmacWithSHA384"),
    (_DIGEST + ".11", "hmacWithSHA512", "id-hmacWithSHA512"),
    (_DIGEST + ".12", "hmacWithSHA512-224", "id-hmacWithSHA512-224"),
    (_DIGEST + ".13", "hmacWithSHA512-256", "id-hmacWithSHA512-256"),
    # encryption algorithms under rsadsi (RFC 8018 B.2, RFC 3370, RFC 2268)
    (_ENC + ".2", "rc2-cbc", "rc2CBC", "RC2-CBC"),
    (_ENC + ".4", "rc4"),
    (_ENC + ".7", "des-ede3-cbc", "des-EDE3-CBC"),
    (_ENC + ".9", "rc5-CBC-PAD"),
    # OIW (RFC 3279, RFC 8018)
    ("1.3.14.3.2.7", "desCBC", "des-cbc"),
    ("1.3.14.3.2.26", "sha1", "id-sha1", "sha-1"),
    ("1.3.14.3.2.27", "dsaWithSHA1"),
    ("1.3.14.3.2.29", "sha1WithRSASignature"),
    # PKCS #7 / CMS content types (RFC 5652 section 14, RFC 2315)
    (_PKCS7, "pkcs-7"),
    (_PKCS7 + ".1", "id-data", "data"),
    (_PKCS7 + ".2", "id-signedData", "signedData"),
    (_PKCS7 + ".3", "id-envelopedData", "envelopedData"),
    (_PKCS7 + ".4", "signedAndEnvelopedData"),
    (_PKCS7 + ".5", "id-digestedData", "digestedData"),
    (_PKCS7 + ".6", "id-encryptedData", "encryptedData"),
    # PKCS #9 (RFC 2985, RFC 5652 section 11, RFC 8551)
    (_PKCS9, "pkcs-9"),
    (_PKCS9 + ".1", "emailAddress", "pkcs-9-at-emailAddress", "id-emailAddress"),
    (_PKCS9 + ".2", "unstructuredName", "pkcs-9-at-unstructuredName"),
    (_PKCS9 + ".3", "id-contentType", "contentType", "pkcs-9-at-contentType"),
    (_PKCS9 + ".4", "id-messageDigest", "messageDigest", "pkcs-9-at-messageDigest"),
    (_PKCS9 + ".5", "id-signingTime", "signingTime", "pkcs-9-at-signingTime"),
    (_PKCS9 + ".6", "id-countersignature", "counterSignature", "pkcs-9-at-counterSignature"),
    (_PKCS9 + ".7", "challengePassword", "pkcs-9-at-challengePassword"),
    (_PKCS9 + ".8", "unstructuredAddress", "pkcs-9-at-unstructuredAddress"),
    (_PKCS9 + ".9", "extendedCertificateAttributes"),
    (_PKCS9 + ".13", "signingDescription", "pkcs-9-at-signingDescription"),
    (_PKCS9 + ".14", "extensionRequest", "pkcs-9-at-extensionRequest"),
    (_PKCS9 + ".15", "smimeCapabilities", "pkcs-9-at-smimeCapabilities"),
    (_PKCS9 + ".20", "friendlyName", "pkcs-9-at-friendlyName"),
    (_PKCS9 + ".21", "localKeyId", "pkcs-9-at-localKeyId"),
    (_PKCS9 + ".22.1", "x509Certificate"),
    (_PKCS9 + ".22.2", "sdsiCertificate"),
    (_PKCS9 + ".23.1", "x509Crl"),
    (_PKCS9 + ".25.3", "randomNonce", "pkcs-9-at-randomNonce"),
    (_PKCS9 + ".25.4", "sequenceNumber", "pkcs-9-at-sequenceNumber"),
    (_PKCS9 + ".10", "pkcs-9-at-issuerAndSerialNumber"),
    (_PKCS9 + ".11", "pkcs-9-at-passwordCheck"),
    (_PKCS9 + ".12", "pkcs-9-at-publicKey"),
    (_PKCS9 + ".22", "certTypes"),
    (_PKCS9 + ".23", "crlTypes"),
    (_PKCS9 + ".25.1", "pkcs-9-at-pkcs15Token"),
    (_PKCS9 + ".25.2", "pkcs-9-at-encryptedPrivateKeyInfo"),
    (_PKCS9 + ".25.5", "pkcs-9-at-pkcs7PDU"),
    (_PKCS9 + ".52", "id-aa-CMSAlgorithmProtection", "cmsAlgorithmProtect"),
    ("2.16.840.1.113730.3.1.216", "pkcs-9-at-userPKCS12"),
    # S/MIME arcs (RFC 5911, RFC 6268)
    (_SMIME, "id-smime"),
    (_SMIME + ".0", "id-mod"),
    (_CT, "id-ct"),
    (_AA, "id-aa"),
    (_ALG, "id-alg"),
    (_SMIME + ".4", "id-cd"),
    (_SMIME + ".5", "id-spq"),
    (_SMIME + ".6", "id-cti"),
    (_SMIME + ".11", "id-cap"),
    (_SMIME + ".11.1", "id-cap-preferBinaryInside"),
    (_SMIME + ".13", "id-ori"),
    (_SMIME + ".13.3", "id-ori-kem"),
    # id-ct (RFC 2634, 3161, 3274, 4073, 5083, 5652, 6268)
    (_CT + ".1", "id-ct-receipt"),
    (_CT + ".2", "id-ct-authData"),
    (_CT + ".4", "id-ct-TSTInfo"),
    (_CT + ".6", "id-ct-contentInfo"),
    (_CT + ".9", "id-ct-compressedData"),
    (_CT + ".16", "id-ct-firmwarePackage"),
    (_CT + ".17", "id-ct-firmwareLoadReceipt"),
    (_CT + ".18", "id-ct-firmwareLoadError"),
    (_CT + ".19", "id-ct-contentCollection"),
    (_CT + ".20", "id-ct-contentWithAttrs"),
    (_CT + ".21", "id-ct-encKeyWithID"),
    (_CT + ".23", "id-ct-authEnvelopedData"),
    # id-aa (RFC 2634, 3126, 5035, 5911, 6019, 6268)
    (_AA + ".1", "id-aa-receiptRequest"),
    (_AA + ".2", "id-aa-securityLabel"),
    (_AA + ".3", "id-aa-mlExpandHistory"),
    (_AA + ".4", "id-aa-contentHint"),
    (_AA + ".5", "id-aa-msgSigDigest"),
    (_AA + ".7", "id-aa-contentIdentifier"),
    (_AA + ".9", "id-aa-equivalentLabels"),
    (_AA + ".10", "id-aa-contentReference"),
    (_AA + ".11", "id-aa-encrypKeyPref", "smimeEncryptionKeyPreference"),
    (_AA + ".12", "id-aa-signingCertificate"),
    (_AA + ".14", "id-aa-signatureTimeStampToken", "id-aa-timeStampToken"),
    (_AA + ".35", "id-aa-firmwarePackageID"),
    (_AA + ".36", "id-aa-targetHardwareIDs"),
    (_AA + ".37", "id-aa-decryptKeyID"),
    (_AA + ".38", "id-aa-implCryptoAlgs"),
    (_AA + ".39", "id-aa-wrappedFirmwareKey"),
    (_AA + ".40", "id-aa-communityIdentifiers"),
    (_AA + ".42", "id-aa-firmwarePackageInfo"),
    (_AA + ".43", "id-aa-implCompressAlgs"),
    (_AA + ".34", "id-aa-cmc-unsignedData"),
    (_AA + ".46", "id-aa-binarySigningTime"),
    (_AA + ".47", "id-aa-signingCertificateV2"),
    # RFC 5752 / RFC 6268 print { ... pkcs9(9) id-aa(2) 51 } without smime(16); the
    # deployed value (and pyasn1-modules rfc5752) is {id-aa 51}
    (_AA + ".51", "id-aa-multipleSignatures"),
    # id-alg (RFC 3211, 3274, 3370, 5990, 8103, 8418, 8619)
    (_ALG + ".5", "id-alg-ESDH"),
    (_ALG + ".6", "id-alg-CMS3DESwrap"),
    (_ALG + ".7", "id-alg-CMSRC2wrap"),
    (_ALG + ".8", "id-alg-zlibCompress"),
    (_ALG + ".9", "id-alg-PWRI-KEK"),
    (_ALG + ".10", "id-alg-SSDH"),
    (_ALG + ".14", "id-rsa-kem"),
    (_ALG + ".18", "id-alg-AEADChaCha20Poly1305"),
    (_ALG + ".19", "dhSinglePass-stdDH-hkdf-sha256-scheme"),
    (_ALG + ".20", "dhSinglePass-stdDH-hkdf-sha384-scheme"),
    (_ALG + ".21", "dhSinglePass-stdDH-hkdf-sha512-scheme"),
    (_ALG + ".28", "id-alg-hkdf-with-sha256"),
    (_ALG + ".29", "id-alg-hkdf-with-sha384"),
    (_ALG + ".30", "id-alg-hkdf-with-sha512"),
    # PKCS #12 (RFC 7292 appendix D)
    (_PKCS12 + ".1.1", "pbeWithSHAAnd128BitRC4"),
    (_PKCS12 + ".1.2", "pbeWithSHAAnd40BitRC4"),
    (_PKCS12 + ".1.3", "pbeWithSHAAnd3-KeyTripleDES-CBC"),
    (_PKCS12 + ".1.4", "pbeWithSHAAnd2-KeyTripleDES-CBC"),
    (_PKCS12 + ".1.5", "pbeWithSHAAnd128BitRC2-CBC"),
    (_PKCS12 + ".1.6", "pbewithSHAAnd40BitRC2-CBC", "pbeWithSHAAnd40BitRC2-CBC"),
    (_PKCS12 + ".10.1.1", "keyBag"),
    (_PKCS12 + ".10.1.2", "pkcs8ShroudedKeyBag"),
    (_PKCS12 + ".10.1.3", "certBag"),
    (_PKCS12 + ".10.1.4", "crlBag"),
    (_PKCS12 + ".10.1.5", "secretBag"),
    (_PKCS12 + ".10.1.6", "safeContentsBag"),
    # NIST AES (RFC 3565, 5084, 5649)
    (_AES + ".1", "id-aes128-ECB"),
    (_AES + ".2", "id-aes128-CBC", "aes128-CBC-PAD"),
    (_AES + ".3", "id-aes128-OFB"),
    (_AES + ".4", "id-aes128-CFB"),
    (_AES + ".5", "id-aes128-wrap"),
    (_AES + ".6", "id-aes128-GCM"),
    (_AES + ".7", "id-aes128-CCM"),
    (_AES + ".8", "id-aes128-wrap-pad"),
    (_AES + ".9", "id-aes128-GMAC"),
    (_AES + ".21", "id-aes192-ECB"),
    (_AES + ".22", "id-aes192-CBC", "aes192-CBC-PAD"),
    (_AES + ".23", "id-aes192-OFB"),
    (_AES + ".24", "id-aes192-CFB"),
    (_AES + ".25", "id-aes192-wrap"),
    (_AES + ".26", "id-aes192-GCM"),
    (_AES + ".27", "id-aes192-CCM"),
    (_AES + ".28", "id-aes192-wrap-pad"),
    (_AES + ".29", "id-aes192-GMAC"),
    (_AES + ".41", "id-aes256-ECB"),
    (_AES + ".42", "id-aes256-CBC", "aes256-CBC-PAD"),
    (_AES + ".43", "id-aes256-OFB"),
    (_AES + ".44", "id-aes256-CFB"),
    (_AES + ".45", "id-aes256-wrap"),
    (_AES + ".46", "id-aes256-GCM"),
    (_AES + ".47", "id-aes256-CCM"),
    (_AES + ".48", "id-aes256-wrap-pad"),
    (_AES + ".49", "id-aes256-GMAC"),
    # NIST hashes (RFC 5754, RFC 8702, FIPS 202)
    (_HASH + ".1", "sha256", "id-sha256", "sha-256"),
    (_HASH + ".2", "sha384", "id-sha384", "sha-384"),
    (_HASH + ".3", "sha512", "id-sha512", "sha-512"),
    (_HASH + ".4", "sha224", "id-sha224", "sha-224"),
    (_HASH + ".5", "sha512-224", "id-sha512-224"),
    (_HASH + ".6", "sha512-256", "id-sha512-256"),
    (_HASH + ".7", "sha3-224", "id-sha3-224"),
    (_HASH + ".8", "sha3-256", "id-sha3-256"),
    (_HASH + ".9", "sha3-384", "id-sha3-384"),
    (_HASH + ".10", "sha3-512", "id-sha3-512"),
    (_HASH + ".11", "shake128", "id-shake128"),
    (_HASH + ".12", "shake256", "id-shake256"),
    (_HASH + ".13", "id-hmacWithSHA3-224", "hmacWithSHA3-224"),
    (_HASH + ".14", "id-hmacWithSHA3-256", "hmacWithSHA3-256"),
    (_HASH + ".15", "id-hmacWithSHA3-384", "hmacWithSHA3-384"),
    (_HASH + ".16", "id-hmacWithSHA3-512", "hmacWithSHA3-512"),
    (_HASH + ".17", "id-shake128-len"),
    (_HASH + ".18", "id-shake256-len"),
    (_HASH + ".19", "id-KmacWithSHAKE128"),
    (_HASH + ".20", "id-KmacWithSHAKE256"),
    # NIST signature algorithms (RFC 5758, RFC 8692, FIPS 204/205 drafts for CMS)
    (_SIGALG + ".1", "id-dsa-with-sha224", "dsa-with-sha224"),
    (_SIGALG + ".2", "id-dsa-with-sha256", "dsa-with-sha256"),
    (_SIGALG + ".3", "id-dsa-with-sha384"),
    (_SIGALG + ".4", "id-dsa-with-sha512"),
    (_SIGALG + ".5", "id-dsa-with-sha3-224"),
    (_SIGALG + ".6", "id-dsa-with-sha3-256"),
    (_SIGALG + ".7", "id-dsa-with-sha3-384"),
    (_SIGALG + ".8", "id-dsa-with-sha3-512"),
    (_SIGALG + ".9", "id-ecdsa-with-sha3-224"),
    (_SIGALG + ".10", "id-ecdsa-with-sha3-256"),
    (_SIGALG + ".11", "id-ecdsa-with-sha3-384"),
    (_SIGALG + ".12", "id-ecdsa-with-sha3-512"),
    (_SIGALG + ".13", "id-rsassa-pkcs1-v1_5-with-sha3-224"),
    (_SIGALG + ".14", "id-rsassa-pkcs1-v1_5-with-sha3-256"),
    (_SIGALG + ".15", "id-rsassa-pkcs1-v1_5-with-sha3-384"),
    (_SIGALG + ".16", "id-rsassa-pkcs1-v1_5-with-sha3-512"),
    (_SIGALG + ".17", "id-ml-dsa-44"),
    (_SIGALG + ".18", "id-ml-dsa-65"),
    (_SIGALG + ".19", "id-ml-dsa-87"),
    (_NIST + ".4.1", "id-alg-ml-kem-512"),
    (_NIST + ".4.2", "id-alg-ml-kem-768"),
    (_NIST + ".4.3", "id-alg-ml-kem-1024"),
    # DSA and DH (RFC 3279)
    ("1.2.840.10040.4.1", "id-dsa"),
    ("1.2.840.10040.4.3", "id-dsa-with-sha1", "dsa-with-sha1"),
    ("1.2.840.10046.2.1", "dhpublicnumber"),
    # ANSI X9.62 ECDSA and curves (RFC 5480, RFC 5758, RFC 5753)
    (_X962 + ".2.1", "id-ecPublicKey"),
    (_X962 + ".3.1.1", "secp192r1", "prime192v1"),
    (_X962 + ".3.1.2", "prime192v2"),
    (_X962 + ".3.1.3", "prime192v3"),
    (_X962 + ".3.1.4", "prime239v1"),
    (_X962 + ".3.1.5", "prime239v2"),
    (_X962 + ".3.1.6", "prime239v3"),
    (_X962 + ".3.1.7", "secp256r1", "prime256v1", "P-256"),
    (_X962 + ".4.1", "ecdsa-with-SHA1"),
    (_X962 + ".4.3", "ecdsa-with-Specified"),
    (_X962 + ".4.3.1", "ecdsa-with-SHA224"),
    (_X962 + ".4.3.2", "ecdsa-with-SHA256"),
    (_X962 + ".4.3.3", "ecdsa-with-SHA384"),
    (_X962 + ".4.3.4", "ecdsa-with-SHA512"),
    # SEC 2 curves and SEC 1 schemes (RFC 5480, RFC 5753, RFC 8418)
    (_SECG + ".0.1", "sect163k1"),
    (_SECG + ".0.10", "secp256k1"),
    (_SECG + ".0.15", "sect163r2"),
    (_SECG + ".0.16", "sect283k1"),
    (_SECG + ".0.17", "sect283r1"),
    (_SECG + ".0.26", "sect233k1"),
    (_SECG + ".0.27", "sect233r1"),
    (_SECG + ".0.36", "sect409k1"),
    (_SECG + ".0.37", "sect409r1"),
    (_SECG + ".0.38", "sect571k1"),
    (_SECG + ".0.39", "sect571r1"),
    (_SECG + ".0.33", "secp224r1", "P-224"),
    (_SECG + ".0.34", "secp384r1", "P-384"),
    (_SECG + ".0.35", "secp521r1", "P-521"),
    (_SECG + ".1.12", "id-ecDH"),
    (_SECG + ".1.13", "id-ecMQV"),
    (_SECG + ".1.11.0", "dhSinglePass-stdDH-sha224kdf-scheme"),
    (_SECG + ".1.11.1", "dhSinglePass-stdDH-sha256kdf-scheme"),
    (_SECG + ".1.11.2", "dhSinglePass-stdDH-sha384kdf-scheme"),
    (_SECG + ".1.11.3", "dhSinglePass-stdDH-sha512kdf-scheme"),
    (_SECG + ".1.14.0", "dhSinglePass-cofactorDH-sha224kdf-scheme"),
    (_SECG + ".1.14.1", "dhSinglePass-cofactorDH-sha256kdf-scheme"),
    (_SECG + ".1.14.2", "dhSinglePass-cofactorDH-sha384kdf-scheme"),
    (_SECG + ".1.14.3", "dhSinglePass-cofactorDH-sha512kdf-scheme"),
    (_SECG + ".1.15.0", "mqvSinglePass-sha224kdf-scheme"),
    (_SECG + ".1.15.1", "mqvSinglePass-sha256kdf-scheme"),
    (_SECG + ".1.15.2", "mqvSinglePass-sha384kdf-scheme"),
    (_SECG + ".1.15.3", "mqvSinglePass-sha512kdf-scheme"),
    (_X963 + ".2", "dhSinglePass-stdDH-sha1kdf-scheme"),
    (_X963 + ".3", "dhSinglePass-cofactorDH-sha1kdf-scheme"),
    (_X963 + ".16", "mqvSinglePass-sha1kdf-scheme"),
    ("1.3.133.16.840.9.44.1.1", "id-kdf-kdf2"),
    ("1.3.133.16.840.9.44.1.2", "id-kdf-kdf3"),
    ("1.0.18033.2.2.4", "id-kem-rsa"),
    # Brainpool curves (RFC 5639)
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"),
    # RFC 8410 / RFC 8418 / RFC 8419
    ("1.3.101.110", "id-X25519", "X25519"),
    ("1.3.101.111", "id-X448", "X448"),
    ("1.3.101.112", "id-Ed25519", "Ed25519"),
    ("1.3.101.113", "id-Ed448", "Ed448"),
    # Camellia key wrap (RFC 3657, listed by RFC 5990)
    ("1.2.392.200011.61.1.1.3.2", "id-camellia128-Wrap"),
    ("1.2.392.200011.61.1.1.3.3", "id-camellia192-Wrap"),
    ("1.2.392.200011.61.1.1.3.4", "id-camellia256-Wrap"),
    # X.500 attribute types (RFC 5280 appendix A, RFC 4519)
    (_AT + ".3", "id-at-commonName", "commonName", "CN"),
    (_AT + ".4", "id-at-surname", "surname", "SN"),
    (_AT + ".5", "id-at-serialNumber", "serialNumber"),
    (_AT + ".6", "id-at-countryName", "countryName", "C"),
    (_AT + ".7", "id-at-localityName", "localityName", "L"),
    (_AT + ".8", "id-at-stateOrProvinceName", "stateOrProvinceName", "ST"),
    (_AT + ".9", "id-at-streetAddress", "streetAddress", "street"),
    (_AT + ".10", "id-at-organizationName", "organizationName", "O"),
    (_AT + ".11", "id-at-organizationalUnitName", "organizationalUnitName", "OU"),
    (_AT + ".12", "id-at-title", "title"),
    (_AT + ".13", "id-at-description", "description"),
    (_AT + ".17", "id-at-postalCode", "postalCode"),
    (_AT + ".41", "id-at-name", "name"),
    (_AT + ".42", "id-at-givenName", "givenName", "GN"),
    (_AT + ".43", "id-at-initials", "initials"),
    (_AT + ".44", "id-at-generationQualifier", "generationQualifier"),
    (_AT + ".45", "id-at-uniqueIdentifier", "x500UniqueIdentifier"),
    (_AT + ".46", "id-at-dnQualifier", "dnQualifier"),
    (_AT + ".65", "id-at-pseudonym", "pseudonym"),
    (_AT + ".72", "id-at-role", "role"),
    ("0.9.2342.19200300.100.1.1", "id-uid", "uid", "userId", "UID"),
    ("0.9.2342.19200300.100.1.25", "id-domainComponent", "domainComponent", "DC"),
    # X.509 extensions (RFC 5280 section 4.2, RFC 5912)
    (_CE + ".9", "id-ce-subjectDirectoryAttributes"),
    (_CE + ".14", "id-ce-subjectKeyIdentifier", "subjectKeyIdentifier"),
    (_CE + ".15", "id-ce-keyUsage", "keyUsage"),
    (_CE + ".16", "id-ce-privateKeyUsagePeriod"),
    (_CE + ".17", "id-ce-subjectAltName", "subjectAltName"),
    (_CE + ".18", "id-ce-issuerAltName", "issuerAltName"),
    (_CE + ".19", "id-ce-basicConstraints", "basicConstraints"),
    (_CE + ".20", "id-ce-cRLNumber", "cRLNumber"),
    (_CE + ".21", "id-ce-cRLReasons", "reasonCode"),
    (_CE + ".23", "id-ce-holdInstructionCode"),
    (_CE + ".24", "id-ce-invalidityDate"),
    (_CE + ".27", "id-ce-deltaCRLIndicator"),
    (_CE + ".28", "id-ce-issuingDistributionPoint"),
    (_CE + ".29", "id-ce-certificateIssuer"),
    (_CE + ".30", "id-ce-nameConstraints", "nameConstraints"),
    (_CE + ".31", "id-ce-cRLDistributionPoints", "cRLDistributionPoints"),
    (_CE + ".32", "id-ce-certificatePolicies", "certificatePolicies"),
    (_CE + ".32.0", "anyPolicy"),
    (_CE + ".33", "id-ce-policyMappings"),
    (_CE + ".35", "id-ce-authorityKeyIdentifier", "authorityKeyIdentifier"),
    (_CE + ".36", "id-ce-policyConstraints"),
    (_CE + ".37", "id-ce-extKeyUsage", "extKeyUsage"),
    (_CE + ".37.0", "anyExtendedKeyUsage"),
    (_CE + ".46", "id-ce-freshestCRL"),
    (_CE + ".54", "id-ce-inhibitAnyPolicy"),
    (_CE + ".55", "id-ce-targetInformation"),
    (_CE + ".56", "id-ce-noRevAvail"),
    ("2.2.840.10040.2.1", "id-holdinstruction-none"),
    ("2.2.840.10040.2.2", "id-holdinstruction-callissuer"),
    ("2.2.840.10040.2.3", "id-holdinstruction-reject"),
    # PKIX (RFC 5280, RFC 6960, RFC 5912, RFC 8692)
    (_PKIX, "id-pkix"),
    (_PKIX + ".1", "id-pe"),
    (_PKIX + ".2", "id-qt"),
    (_PKIX + ".3", "id-kp"),
    (_PKIX + ".48", "id-ad"),
    (_PKIX + ".1.4", "id-pe-ac-auditIdentity"),
    (_PKIX + ".1.6", "id-pe-aaControls"),
    (_PKIX + ".1.7", "id-pe-ipAddrBlocks"),
    (_PKIX + ".1.8", "id-pe-autonomousSysIds"),
    (_PKIX + ".1.10", "id-pe-ac-proxying"),
    (_PKIX + ".1.13", "id-pe-wlanSSID"),
    (_PKIX + ".3.13", "id-kp-eapOverPPP"),
    (_PKIX + ".3.14", "id-kp-eapOverLAN"),
    (_PKIX + ".3.15", "id-kp-scvpServer"),
    (_PKIX + ".3.16", "id-kp-scvpClient"),
    (_PKIX + ".6.2", "id-alg-noSignature"),
    (_PKIX + ".8.4", "id-on-hardwareModuleName"),
    (_PKIX + ".9.1", "pkcs-9-at-dateOfBirth"),
    (_PKIX + ".9.2", "pkcs-9-at-placeOfBirth"),
    (_PKIX + ".9.3", "pkcs-9-at-gender"),
    (_PKIX + ".9.4", "pkcs-9-at-countryOfCitizenship"),
    (_PKIX + ".9.5", "pkcs-9-at-countryOfResidence"),
    (_PKIX + ".1.1", "id-pe-authorityInfoAccess", "authorityInfoAccess"),
    (_PKIX + ".1.11", "id-pe-subjectInfoAccess", "subjectInfoAccess"),
    (_PKIX + ".1.24", "id-pe-tlsfeature"),
    (_PKIX + ".2.1", "id-qt-cps"),
    (_PKIX + ".2.2", "id-qt-unotice"),
    (_PKIX + ".3.1", "id-kp-serverAuth"),
    (_PKIX + ".3.2", "id-kp-clientAuth"),
    (_PKIX + ".3.3", "id-kp-codeSigning"),
    (_PKIX + ".3.4", "id-kp-emailProtection"),
    (_PKIX + ".3.5", "id-kp-ipsecEndSystem"),
    (_PKIX + ".3.6", "id-kp-ipsecTunnel"),
    (_PKIX + ".3.7", "id-kp-ipsecUser"),
    (_PKIX + ".3.8", "id-kp-timeStamping"),
    (_PKIX + ".3.9", "id-kp-OCSPSigning"),
    (_PKIX + ".6.30", "id-RSASSA-PSS-SHAKE128"),
    (_PKIX + ".6.31", "id-RSASSA-PSS-SHAKE256"),
    (_PKIX + ".6.32", "id-ecdsa-with-shake128"),
    (_PKIX + ".6.33", "id-ecdsa-with-shake256"),
    (_PKIX + ".48.1", "id-ad-ocsp", "id-pkix-ocsp"),
    (_PKIX + ".48.1.1", "id-pkix-ocsp-basic"),
    (_PKIX + ".48.1.2", "id-pkix-ocsp-nonce"),
    (_PKIX + ".48.1.3", "id-pkix-ocsp-crl"),
    (_PKIX + ".48.1.4", "id-pkix-ocsp-response"),
    (_PKIX + ".48.1.5", "id-pkix-ocsp-nocheck"),
    (_PKIX + ".48.1.6", "id-pkix-ocsp-archive-cutoff"),
    (_PKIX + ".48.1.7", "id-pkix-ocsp-service-locator"),
    (_PKIX + ".48.2", "id-ad-caIssuers"),
    (_PKIX + ".48.3", "id-ad-timeStamping"),
    (_PKIX + ".48.5", "id-ad-caRepository"),
    # scrypt (RFC 7914 section 7)
    ("1.3.6.1.4.1.11591.4.11", "id-scrypt", "scrypt"),
    # HMAC-SHA1 for AuthenticatedData (RFC 3370 section 3.1)
    ("1.3.6.1.5.5.8.1.2", "hMAC-SHA1"),
    # RFC 5958 / key packages
    ("2.16.840.1.101.2.1.2.78.5", "id-ct-KP-aKeyPackage"),
    ("2.16.840.1.101.2.1.2.78.2", "id-ct-KP-encryptedKeyPkg"),
    # Microsoft (Outlook encryption key preference; CSP name in PKCS #12 bags)
    ("1.3.6.1.4.1.311.16.4", "microsoftEncryptionKeyPreference"),
    ("1.3.6.1.4.1.311.17.1", "microsoftCspName"),
)

_BY_OID: dict[str, str] = {}
_BY_NAME: dict[str, str] = {}
_BY_LOWER: dict[str, str] = {}


def register(oid: str, name: str) -> None:
    """Register ``name`` for ``oid`` (the first name registered for an OID is its primary
    name; later ones are aliases for :func:`oid_of`).

    :raises UsageError: ``name`` already names a different OID, or ``oid`` is not dotted.
    """
    parts = oid.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        raise UsageError(f"not a dotted OID: {oid!r}")
    known = _BY_NAME.get(name)
    if known is not None and known != oid:
        raise UsageError(f"OID name {name!r} already names {known}, not {oid}")
    _BY_OID.setdefault(oid, name)
    _BY_NAME[name] = oid
    _BY_LOWER.setdefault(name.lower(), oid)


def name_of(oid: str) -> str:
    """The registered name of ``oid``, or the dotted OID itself when unknown."""
    return _BY_OID.get(oid, oid)


def describe(oid: str) -> str:
    """``"name (dotted)"`` for a known OID, the dotted OID alone otherwise."""
    name = _BY_OID.get(oid)
    return f"{name} ({oid})" if name is not None else oid


def oid_of(name: str) -> str:
    """The dotted OID registered under ``name`` (exact, else case-insensitive).

    :raises UsageError: no OID has that name.
    """
    oid = _BY_NAME.get(name) or _BY_LOWER.get(name.lower())
    if oid is None:
        raise UsageError(f"unknown OID name {name!r}")
    return oid


def names() -> dict[str, str]:
    """A copy of the registry: dotted OID -> primary name."""
    return dict(_BY_OID)


for _row in _TABLE:
    for _name in _row[1:]:
        register(_row[0], _name)
del _row, _name
