"""A throwaway test CA for the bundled example, so that imported and IAM certificates have
PEM files to point at without a private key ever being committed.

`ensure()` writes, into a git-ignored directory, a root and an intermediate CA and per stem
`<stem>.crt` (leaf), `<stem>.chain.crt` (the intermediate) and `<stem>.key` (mode 0600). It
reissues a leaf only when a file is missing, its names changed, or it expires within
RENEW_DAYS, so repeated synths keep the same files. Leaves live LEAF_DAYS, well inside the
CA/Browser Forum maximum (200 days from 2026-03-15), so the validator stays clean on them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LEAF_DAYS = 90
CA_DAYS = 3 * 365
RENEW_DAYS = 30
ORG = "elbtls demo (not trusted anywhere)"


@dataclass(frozen=True)
class Issued:
    body: Path
    chain: Path
    key: Path


def files(directory: Path, stem: str) -> Issued:
    return Issued(directory / f"{stem}.crt", directory / f"{stem}.chain.crt", directory / f"{stem}.key")


def ensure(directory: str | os.PathLike, certificates: Mapping[str, Sequence[str]],
           now: datetime | None = None) -> dict[str, Issued]:
    """Make sure `directory` holds a current demo leaf for every stem -> DNS names."""
    now = now or datetime.now(timezone.utc)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca = _ca(directory, now)
    out = {}
    for stem, names in certificates.items():
        issued = files(directory, stem)
        if not _leaf_current(issued, list(names), now):
            key = _new_key()
            _write_key(issued.key, key)
            leaf = _certificate(_subject(names[0]), key, ca.subject, ca.key, now, LEAF_DAYS, ca=False, names=names)
            _write_certs(issued.body, [leaf])
            _write_certs(issued.chain, [ca.certificate])
        out[stem] = issued
    return out


@dataclass(frozen=True)
class _Issuer:
    subject: x509.Name
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def _ca(directory: Path, now: datetime) -> _Issuer:
    """The intermediate CA (issued by a root kept beside it), created or renewed as needed."""
    root_crt, root_key = directory / "ca-root.crt", directory / "ca-root.key"
    int_crt, int_key = directory / "ca-intermediate.crt", directory / "ca-intermediate.key"
    if _current(int_crt, now) and _current(root_crt, now) and int_key.exists():
        key = serialization.load_pem_private_key(int_key.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(int_crt.read_bytes())
        return _Issuer(cert.subject, key, cert)
    root_k, inter_k = _new_key(), _new_key()
    root_name, inter_name = _subject("elbtls demo root CA"), _subject("elbtls demo intermediate CA")
    root = _certificate(root_name, root_k, root_name, root_k, now, CA_DAYS, ca=True)
    inter = _certificate(inter_name, inter_k, root_name, root_k, now, CA_DAYS - 1, ca=True)
    for path, key in ((root_key, root_k), (int_key, inter_k)):
        _write_key(path, key)
    _write_certs(root_crt, [root])
    _write_certs(int_crt, [inter])
    for stale in directory.glob("*.crt"):  # leaves of the old CA would no longer chain
        if stale not in (root_crt, int_crt):
            stale.unlink()
    return _Issuer(inter_name, inter_k, inter)


def _current(path: Path, now: datetime) -> bool:
    if not path.exists():
        return False
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError:
        return False
    return cert.not_valid_after_utc - now > timedelta(days=RENEW_DAYS)


def _leaf_current(issued: Issued, names: list[str], now: datetime) -> bool:
    if not (issued.key.exists() and issued.chain.exists() and _current(issued.body, now)):
        return False
    cert = x509.load_pem_x509_certificate(issued.body.read_bytes())
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return sans.get_values_for_type(x509.DNSName) == names


def _subject(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _new_key() -> rsa.RSAPrivateKey:
    # RSA 2048: the only key size a Classic Load Balancer takes through both ACM and IAM.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(subject: x509.Name, key, issuer: x509.Name, issuer_key, now: datetime, days: int,
                 *, ca: bool, names: Sequence[str] = ()) -> x509.Certificate:
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        builder = (builder
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, content_commitment=False, key_encipherment=True,
                       data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                       encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(issuer_key, hashes.SHA256())


def _write_key(path: Path, key) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def _write_certs(path: Path, certs: Sequence[x509.Certificate]) -> None:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
