"""PEM splitting and X.509 helpers for the certificate and chain rules.

`parse_pem(text)` splits PEM text into certificates and private keys and raises
`PemError` with a precise, key-free message when the text is not usable PEM (empty,
binary/DER, broken armour, bad base64, a block that does not hold what its label says).
Recent results are kept: parses by text (a chain file shared by many stacks is parsed
once; the rules parse each field once per Project, in rules/certificate.py `load()`) and
signature checks by (certificate, issuer). No message, exception or repr produced here
contains key material.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


class PemError(ValueError):
    """The text is not usable PEM; the message says why and never quotes key material."""


CERTIFICATE = "CERTIFICATE"
KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY",
              "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY")

_BEGIN = re.compile(r"^-----BEGIN ([A-Z0-9][A-Z0-9 ]*)-----$")
_END = re.compile(r"^-----END ([A-Z0-9][A-Z0-9 ]*)-----$")
_ARMOUR_ISH = re.compile(r"-{3,}\s*(BEGIN|END)\b|\b(BEGIN|END) [A-Z ]*(CERTIFICATE|KEY)")
_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")
_BASE64_LINE = re.compile(r"^[A-Za-z0-9+/=]+$")
_BINARY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")


@dataclass(frozen=True)
class KeyBlock:
    """A private key block: its label, first line, size in bytes as written, and the
    loaded key (None when encrypted). repr shows no key."""

    label: str
    line: int
    size: int
    encrypted: bool
    key: object = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class PemContents:
    certificates: tuple[x509.Certificate, ...] = ()
    cert_lines: tuple[int, ...] = ()        # first line of each certificate block
    cert_sizes: tuple[int, ...] = ()        # bytes of each certificate block as written
    keys: tuple[KeyBlock, ...] = ()
    other_labels: tuple[str, ...] = ()      # blocks that are neither (CSR, PUBLIC KEY, ...)


def parse_pem(text: str) -> PemContents:
    """Split PEM text into certificates and private keys; raise PemError if unusable."""
    result = _parse_cached(text)
    if isinstance(result, str):
        raise PemError(result)
    return result


@functools.lru_cache(maxsize=64)   # small: a text recurs soon (one chain file in many stacks) or never
def _parse_cached(text: str) -> PemContents | str:
    try:
        return _parse(text)
    except PemError as exc:
        return str(exc)


def _parse(text: str) -> PemContents:
    if not text or not text.strip():
        raise PemError("is empty")
    if _looks_binary(text):
        raise PemError("holds binary data, not PEM text (DER? convert it with "
                       "`openssl x509 -inform der -outform pem` or `openssl pkey -inform der`)")
    if "-----BEGIN" in text and "\\n" in text and "\n" not in text.strip():
        raise PemError("has literal \\n sequences instead of line breaks; decode the string "
                       "(e.g. jsondecode or a heredoc) so that each PEM line is on its own line")

    certs, cert_lines, cert_sizes, keys, others = [], [], [], [], []
    label = None   # the open block: its label, first line, headers, base64 lines and size
    ascii_only = text.isascii()   # then a line's size in bytes is its length
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        armour = line.startswith("-----")   # only such a line can be a BEGIN or END line
        begin = _BEGIN.match(line) if armour else None
        end = _END.match(line) if armour else None
        if label is None:
            if begin:
                label, first, headers, body = begin.group(1), number, {}, []
                size = (len(raw) if ascii_only else len(raw.encode())) + 1
            elif end:
                raise PemError(f"line {number}: END {end.group(1)} without a matching BEGIN line")
            elif _ARMOUR_ISH.search(line):
                raise PemError(_armour_problem(number, line))
            continue
        size += (len(raw) if ascii_only else len(raw.encode())) + 1
        if begin:
            raise PemError(f"line {number}: BEGIN {begin.group(1)} inside the {label} block opened "
                           f"at line {first}; that block has no END {label} line")
        if end:
            if end.group(1) != label:
                raise PemError(f"line {number}: END {end.group(1)} closes the BEGIN {label} "
                               f"block opened at line {first}")
            der = _decode(label, first, body)
            _classify(label, first, headers, der, size, certs, cert_lines, cert_sizes, keys, others)
            label = None
            continue
        if not body and _HEADER.match(line):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        elif line:
            if not _BASE64_LINE.match(line):   # (a base64 line cannot look like armour)
                if _ARMOUR_ISH.search(line):
                    raise PemError(_armour_problem(number, line))
                raise PemError(f"line {number}: the {label} block opened at line {first} holds "
                               "characters that are not base64")
            body.append(line)
    if label is not None:
        raise PemError(f"the BEGIN {label} block opened at line {first} has no "
                       f"END {label} line (truncated or broken armour)")
    if not (certs or keys or others):
        squeezed = "".join(text.split())
        if len(squeezed) >= 32 and len(squeezed) % 4 == 0 and _BASE64_LINE.match(squeezed):
            raise PemError("holds base64 without PEM armour; wrap it in "
                           "-----BEGIN CERTIFICATE----- / -----END CERTIFICATE----- lines")
        raise PemError("holds no PEM block (no -----BEGIN ...----- line)")
    return PemContents(tuple(certs), tuple(cert_lines), tuple(cert_sizes), tuple(keys), tuple(others))


def _looks_binary(text: str) -> bool:
    """A control character (other than tab and line breaks) or a replacement character
    in the first 512 characters: one regex search, not a loop over characters."""
    return _BINARY.search(text, 0, 512) is not None


def _armour_problem(number: int, line: str) -> str:
    if "BEGIN" in line and "END" in line:
        return (f"line {number}: a whole PEM block sits on one line; line breaks were lost "
                "(keep the BEGIN line, the base64 lines and the END line on separate lines)")
    return (f"line {number}: malformed armour; expected '-----BEGIN <LABEL>-----' or "
            "'-----END <LABEL>-----' alone on its line with five dashes each side")


def _decode(label: str, first: int, body: list[str]) -> bytes:
    data = "".join(body)
    if not data:
        raise PemError(f"the {label} block at line {first} is empty")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise PemError(f"the {label} block at line {first} has invalid base64 "
                       "(wrong length or padding; was it truncated or edited?)") from None


def _classify(label, first, headers, der, size, certs, cert_lines, cert_sizes, keys, others) -> None:
    if label == CERTIFICATE:
        try:
            cert = x509.load_der_x509_certificate(der)
            cert.subject, cert.issuer, cert.extensions   # parse the lazy parts now, once
        except Exception:   # any parse failure of untrusted bytes is "not a certificate"
            raise PemError(f"the CERTIFICATE block at line {first} does not hold a valid "
                           "X.509 certificate (bad DER, or extensions that cannot be parsed)") from None
        try:
            cert.public_key()
        except Exception:
            raise PemError(f"the certificate at line {first} has a public key that cannot be read "
                           "(an algorithm other than RSA, EC, Ed25519/Ed448 or DSA?)") from None
        certs.append(cert)
        cert_lines.append(first)
        cert_sizes.append(size)
    elif label in KEY_LABELS:
        keys.append(_load_key(label, first, headers, der, size))
    else:
        others.append(label)


def _load_key(label: str, first: int, headers: dict, der: bytes, size: int) -> KeyBlock:
    if label == "ENCRYPTED PRIVATE KEY" or "ENCRYPTED" in headers.get("proc-type", "").upper():
        return KeyBlock(label, first, size, encrypted=True)
    if label == "OPENSSH PRIVATE KEY":
        raise PemError(f"the key at line {first} is in OpenSSH format; convert it to PEM "
                       "(`ssh-keygen -p -m PEM -f key` or `openssl pkey`)")
    try:
        # OpenSSL's own RSA check tests p and q for primality: about 35 ms a key, most of a
        # small run. _rsa_consistent checks every field against the others instead (µs), which
        # catches any corrupted or edited key; only a deliberately forged one gets past it.
        key = serialization.load_der_private_key(der, password=None, unsafe_skip_rsa_key_validation=True)
        valid = not isinstance(key, rsa.RSAPrivateKey) or _rsa_consistent(key.private_numbers())
    except TypeError:   # cryptography: the key is encrypted but no password was given
        return KeyBlock(label, first, size, encrypted=True)
    except Exception:
        valid = False
    if not valid:
        raise PemError(f"the {label} block at line {first} does not hold a valid private key")
    return KeyBlock(label, first, size, encrypted=False, key=key)


def _rsa_consistent(k: rsa.RSAPrivateNumbers) -> bool:
    """Whether the RSA key's numbers agree with each other: n = pq, e·d ≡ 1 modulo p-1 and
    q-1, the CRT exponents are d reduced modulo p-1 and q-1, and iqmp is q's inverse modulo p."""
    n, e = k.public_numbers.n, k.public_numbers.e
    p, q = k.p, k.q
    return (p > 1 and q > 1 and p * q == n and 1 < e < n
            and k.dmp1 == k.d % (p - 1) and k.dmq1 == k.d % (q - 1)
            and e * k.dmp1 % (p - 1) == 1 and e * k.dmq1 % (q - 1) == 1
            and k.iqmp * q % p == 1)


# --- certificate facts ------------------------------------------------------------------

_ACM_CURVES = {"secp256r1": "EC_prime256v1", "prime256v1": "EC_prime256v1"}


def key_type(obj) -> str:
    """The key type in ACM's naming ("RSA_2048", "EC_prime256v1", "EC_secp384r1", ...) of a
    certificate, public key or private key. Types ACM has no name for get a descriptive
    one ("EC_secp256k1", "ED25519", "DSA_2048")."""
    key = obj.public_key() if hasattr(obj, "public_key") else obj
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return f"RSA_{key.key_size}"
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return _ACM_CURVES.get(key.curve.name, f"EC_{key.curve.name}")
    if isinstance(key, (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey)):
        return "ED25519"
    if isinstance(key, (ed448.Ed448PublicKey, ed448.Ed448PrivateKey)):
        return "ED448"
    if isinstance(key, (dsa.DSAPublicKey, dsa.DSAPrivateKey)):
        return f"DSA_{key.key_size}"
    return type(key).__name__


def public_key(obj):
    """The public key of a certificate, private key or KeyBlock."""
    if isinstance(obj, KeyBlock):
        obj = obj.key
    return obj.public_key()


def key_matches(cert: x509.Certificate, private_key) -> bool:
    """Whether `private_key` (a key object or KeyBlock) belongs to `cert`."""
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(*spki) == public_key(private_key).public_bytes(*spki)


def not_before(cert: x509.Certificate) -> datetime:
    return cert.not_valid_before_utc


def not_after(cert: x509.Certificate) -> datetime:
    return cert.not_valid_after_utc


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, seconds precision, with a Z: 2026-03-15T00:00:00Z."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def describe(cert: x509.Certificate) -> str:
    """How messages name a certificate: its subject CN, else its whole subject."""
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        return f"CN={cns[0].value}"
    return cert.subject.rfc4514_string() or "(empty subject)"


def dns_names(cert: x509.Certificate) -> list[str]:
    """The DNS subjectAltNames (empty when the extension is missing)."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return ext.value.get_values_for_type(x509.DNSName)


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def covers(sans, host: str) -> bool:
    """Whether one of the names `sans` covers `host` (RFC 6125 6.4.3, as browsers apply it):
    case-insensitive, a trailing dot ignored, and a wildcard only as the whole left-most
    label standing for exactly one non-empty label: `*.example.com` covers
    `www.example.com` but neither `example.com` nor `a.b.example.com`."""
    host = _norm(host)
    if not host:
        return False
    head, _, rest = host.partition(".")
    for san in sans:
        san = _norm(san)
        if san == host:
            return True
        if san.startswith("*.") and rest and head and "*" not in san[2:] and san[2:] == rest:
            return True
    return False


def is_ca(cert: x509.Certificate) -> bool:
    """basicConstraints CA=TRUE."""
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def server_auth_allowed(cert: x509.Certificate) -> bool:
    """False only when an extendedKeyUsage extension is present without serverAuth
    (no extension means any usage)."""
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return ExtendedKeyUsageOID.SERVER_AUTH in list(usages)


def signature_hash_name(cert: x509.Certificate) -> str | None:
    """The signature's hash ("sha256", "sha1", "md5"), None when it has none (Ed25519)
    or cryptography does not know it."""
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    return algorithm.name if algorithm else None


def names_issuer(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer`'s subject is the name `cert` says issued it."""
    return cert.issuer == issuer.subject


def signature_verifies(cert: x509.Certificate, issuer: x509.Certificate) -> bool | None:
    """Whether `issuer`'s public key verifies `cert`'s signature (RSA PKCS#1 v1.5 or PSS,
    ECDSA, EdDSA, DSA), whatever the hash, MD5 and SHA-1 included. None when the
    signature algorithm is one cryptography cannot check. Each (certificate, issuer) pair
    is checked once per run, however many rules and chains ask (a root recurs in many)."""
    return _verifies(cert, issuer)


@functools.lru_cache(maxsize=64)   # keyed by value (certificates compare by their DER); a root recurs soon
def _verifies(cert: x509.Certificate, issuer: x509.Certificate) -> bool | None:
    key = issuer.public_key()
    try:
        params = cert.signature_algorithm_parameters
        algorithm = cert.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError):
        return None
    # cryptography gives no parameters for legacy (MD5/SHA-1) signatures: those are
    # PKCS#1 v1.5 for RSA and plain ECDSA with the named hash.
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if algorithm is None:
                return False
            key.verify(cert.signature, cert.tbs_certificate_bytes, params or asym_padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if algorithm is None:
                return False
            key.verify(cert.signature, cert.tbs_certificate_bytes, params or ec.ECDSA(algorithm))
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(cert.signature, cert.tbs_certificate_bytes)
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, algorithm)
        else:
            return None
    except (InvalidSignature, TypeError, ValueError):
        return False
    except UnsupportedAlgorithm:
        return None
    return True


def is_self_signed(cert: x509.Certificate) -> bool:
    """Subject equals issuer and the certificate's own key verifies its signature (a
    signature that cannot be checked counts as self-signed when the names match)."""
    return names_issuer(cert, cert) and signature_verifies(cert, cert) is not False


def first_order_break(certs) -> int | None:
    """For certificates ordered leaf first (leaf, intermediate, ..., root), the index of
    the first one that is not named as the issuer of the one before it, or None when
    each certificate certifies the one before it."""
    for index in range(1, len(certs)):
        if not names_issuer(certs[index - 1], certs[index]):
            return index
    return None
