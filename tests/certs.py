"""Test-certificate factory: builds keys and certificates at test time with `cryptography`,
so no private key is ever committed.

    root = make_ca()                                   # self-signed root
    inter = make_ca("Test Intermediate", issuer=root)
    leaf = make_leaf(inter, sans=("www.example.com",))
    leaf.cert_pem, leaf.key_pem, bundle(leaf, inter)   # PEM text for models and files

Keys are cached per process (`private_key(kind, slot)`): RSA generation is slow on a
shared 2-core machine. Each CA name gets its own key; leaves share one per kind. Use
another `slot` when a test needs a *different* key (key-mismatch, an impostor CA with the
same name). `Issued`'s repr never shows the key. Things `cryptography` refuses to build (X.509 v1, MD5 and
SHA-1 signatures) are made by rewriting the DER of a certificate it built and signing
the new to-be-signed bytes with the same key (`_resign`).
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = _dt.timezone.utc

KEY_KINDS = ("rsa1024", "rsa2048", "rsa3072", "rsa4096", "ec256", "ec384", "ec521", "ec-secp256k1")
_CURVES = {"ec256": ec.SECP256R1, "ec384": ec.SECP384R1, "ec521": ec.SECP521R1, "ec-secp256k1": ec.SECP256K1}
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
           "sha1": hashes.SHA1, "md5": hashes.MD5}
_EKUS = {"serverAuth": ExtendedKeyUsageOID.SERVER_AUTH, "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
         "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING, "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION}
# AlgorithmIdentifier DER for the legacy signatures cryptography will not produce itself.
_LEGACY_SIG_ALG = {
    ("rsa", "sha1"): bytes.fromhex("300d06092a864886f70d0101050500"),   # sha1WithRSAEncryption
    ("rsa", "md5"): bytes.fromhex("300d06092a864886f70d0101040500"),    # md5WithRSAEncryption
    ("ec", "sha1"): bytes.fromhex("300906072a8648ce3d0401"),            # ecdsa-with-SHA1
}


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key, as objects and as PEM text."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)
    cert_pem: str = field(repr=False)
    key_pem: str = field(repr=False)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


@functools.cache
def private_key(kind: str = "rsa2048", slot: int | str = "leaf"):
    """A key of `kind` (one of KEY_KINDS), generated once per (kind, slot) per process.
    CAs default to a slot of their own (`ca:<cn>`), so a root and its intermediate never
    share a key; leaves share the slot "leaf" unless told otherwise."""
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    if kind in _CURVES:
        return ec.generate_private_key(_CURVES[kind]())
    raise ValueError(f"unknown key kind {kind!r}; use one of {KEY_KINDS}")


def key_pem(key, *, fmt: str = "pkcs8", passphrase: bytes | None = None) -> str:
    """PEM for a private key: fmt "pkcs8" (PRIVATE KEY / ENCRYPTED PRIVATE KEY) or
    "traditional" (RSA/EC PRIVATE KEY, with `Proc-Type: 4,ENCRYPTED` when a passphrase is given)."""
    formats = {"pkcs8": serialization.PrivateFormat.PKCS8,
               "traditional": serialization.PrivateFormat.TraditionalOpenSSL}
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, formats[fmt], encryption).decode()


def bundle(*parts: Issued | str) -> str:
    """Concatenate certificates (Issued or PEM text) into one PEM text, in the given order."""
    return "".join(p.cert_pem if isinstance(p, Issued) else p for p in parts)


def _name(cn: str | None) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else [])


def _default_not_before() -> _dt.datetime:
    return (_dt.datetime.now(UTC) - _dt.timedelta(days=1)).replace(microsecond=0)


def _build(subject: x509.Name, key, issuer: Issued | None, *, not_before, days, hash, extensions,
           version: int = 3, not_after=None) -> Issued:
    not_before = not_before or _default_not_before()
    not_after = not_after or not_before + _dt.timedelta(days=days)
    signer_key = issuer.key if issuer else key
    builder = (x509.CertificateBuilder()
               .subject_name(subject)
               .issuer_name(issuer.cert.subject if issuer else subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before)
               .not_valid_after(not_after))
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False)
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical)
    legacy = hash in ("sha1", "md5")
    cert = builder.sign(signer_key, hashes.SHA256())
    if legacy or version == 1:
        cert = _resign(cert, signer_key, hash, v1=version == 1)
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return Issued(cert=cert, key=key, cert_pem=pem, key_pem=key_pem(key))


def make_ca(cn: str = "Test Root CA", *, key: str = "rsa2048", issuer: Issued | None = None,
            not_before: _dt.datetime | None = None, days: int = 3650, hash: str = "sha256",
            slot: int | str | None = None, not_after: _dt.datetime | None = None) -> Issued:
    """A CA certificate (basicConstraints CA=TRUE, keyCertSign): self-signed when issuer is None."""
    exts = [(x509.BasicConstraints(ca=True, path_length=None), True),
            (x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                           data_encipherment=False, key_agreement=False, key_cert_sign=True,
                           crl_sign=True, encipher_only=False, decipher_only=False), True)]
    slot = f"ca:{cn}" if slot is None else slot
    return _build(_name(cn), private_key(key, slot), issuer, not_before=not_before, days=days,
                  hash=hash, extensions=exts, not_after=not_after)


def make_leaf(issuer: Issued | None = None, *, sans: Sequence[str] | None = ("www.example.com",),
              cn: str | None = None, key: str = "rsa2048", not_before: _dt.datetime | None = None,
              days: int = 90, hash: str = "sha256", ca: bool = False,
              eku: Sequence[str] | None = ("serverAuth",), version: int = 3, slot: int | str = "leaf",
              not_after: _dt.datetime | None = None) -> Issued:
    """An end-entity certificate; issuer None = self-signed. `sans` are DNS names (None or
    () = no SAN extension), `cn` defaults to the first SAN, `eku` None = no EKU extension,
    `version` 1 gives an X.509 v1 certificate (no extensions at all), `hash` may be
    "sha1"/"md5" for a legacy signature (md5 needs an RSA issuer key), `not_after`
    overrides `days` for exact lifetimes."""
    if cn is None and sans:
        cn = sans[0]
    exts = [(x509.BasicConstraints(ca=ca, path_length=None), True)]
    if sans:
        exts.append((x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False))
    if eku is not None:
        exts.append((x509.ExtendedKeyUsage([_EKUS[e] for e in eku]), False))
    return _build(_name(cn), private_key(key, slot), issuer, not_before=not_before, days=days,
                  hash=hash, extensions=exts, version=version, not_after=not_after)


# --- DER rewriting for what cryptography refuses to sign -------------------------------

def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of element) of the DER element at `pos`."""
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    return tag, pos, pos + length


def _children(data: bytes) -> list[bytes]:
    """The encoded elements inside a constructed value."""
    out, pos = [], 0
    while pos < len(data):
        _, _, end = _tlv(data, pos)
        out.append(data[pos:end])
        pos = end
    return out


def _encode(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + value


def _resign(cert: x509.Certificate, key, hash: str, *, v1: bool) -> x509.Certificate:
    """Rewrite `cert`: drop version and extensions when `v1`, switch the signature to
    SHA-1/MD5 when asked, and sign the new TBSCertificate with `key` (the issuer's)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    _, start, end = _tlv(der, 0)
    tbs, sig_alg, _sig = _children(der[start:end])
    _, tstart, tend = _tlv(tbs, 0)
    fields = _children(tbs[tstart:tend])
    if fields[0][0] == 0xA0:                       # [0] EXPLICIT version
        version, fields = fields[:1], fields[1:]
    else:
        version = []
    if v1:
        version = []
        fields = [f for f in fields if f[0] != 0xA3]   # [3] extensions: v3 only
    family = "rsa" if isinstance(key, rsa.RSAPrivateKey) else "ec"
    if hash in ("sha1", "md5"):
        sig_alg = _LEGACY_SIG_ALG[(family, hash)]
        fields[1] = sig_alg                        # TBSCertificate.signature must match
    new_tbs = _encode(0x30, b"".join(version + fields))
    digest = _HASHES[hash]()
    if family == "rsa":
        signature = key.sign(new_tbs, padding.PKCS1v15(), digest)
    else:
        signature = key.sign(new_tbs, ec.ECDSA(digest))
    new_der = _encode(0x30, new_tbs + sig_alg + _encode(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(new_der)
