"""pki.py: PEM splitting with precise errors, key naming, host coverage, signatures."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from elbtls.validators import pki
from tests.certs import _children, _encode, _tlv, bundle, key_pem, make_ca, make_leaf, private_key

ROOT = make_ca()
INTER = make_ca("Test Intermediate", issuer=ROOT)
LEAF = make_leaf(INTER)


def _error(text: str) -> str:
    with pytest.raises(pki.PemError) as info:
        pki.parse_pem(text)
    return str(info.value)


# --- splitting ---------------------------------------------------------------------------

def test_splits_certificates_and_key_in_order():
    contents = pki.parse_pem("Bag Attributes: x\n" + bundle(LEAF, INTER, ROOT) + LEAF.key_pem)
    assert contents.certificates == (LEAF.cert, INTER.cert, ROOT.cert)
    assert contents.cert_lines[0] == 2
    assert len(contents.keys) == 1 and not contents.keys[0].encrypted
    assert pki.key_matches(LEAF.cert, contents.keys[0])


def test_tolerates_indentation_and_crlf():
    text = "\r\n".join("    " + line for line in LEAF.cert_pem.splitlines())
    assert pki.parse_pem(text).certificates == (LEAF.cert,)


def test_traditional_rsa_and_ec_keys_load():
    for kind in ("rsa2048", "ec384"):
        contents = pki.parse_pem(key_pem(private_key(kind), fmt="traditional"))
        assert not contents.keys[0].encrypted and contents.keys[0].key is not None


_RSA_FIELDS = ("n", "e", "d", "p", "q", "dmp1", "dmq1", "iqmp")


@pytest.mark.parametrize("field", _RSA_FIELDS)
def test_rsa_key_with_any_field_altered_is_refused(field):
    """OpenSSL's primality check is skipped for speed (pki._load_key), so the consistency
    check must catch a change to any one of the key's numbers."""
    der = private_key().private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption())
    _, start, end = _tlv(der, 0)
    parts = _children(der[start:end])             # the version, then the eight numbers in order
    index = 1 + _RSA_FIELDS.index(field)
    tag, value_start, _ = _tlv(parts[index], 0)
    value = bytearray(parts[index][value_start:])
    value[-1] ^= 0x02                              # the same length, another number
    parts[index] = _encode(tag, bytes(value))

    def pem(data: bytes) -> str:
        return f"-----BEGIN RSA PRIVATE KEY-----\n{base64.encodebytes(data).decode()}-----END RSA PRIVATE KEY-----\n"

    assert pki.parse_pem(pem(der)).keys[0].key is not None     # the unaltered key loads
    assert "does not hold a valid private key" in _error(pem(_encode(0x30, b"".join(parts))))


def test_other_blocks_are_reported_by_label():
    public = private_key().public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert pki.parse_pem(public).other_labels == ("PUBLIC KEY",)


def test_results_are_cached_on_the_text():
    text = bundle(LEAF, INTER)
    assert pki.parse_pem(text) is pki.parse_pem(text)


@pytest.mark.parametrize("fmt", ["pkcs8", "traditional"])
def test_encrypted_keys_are_flagged_not_loaded(fmt):
    text = key_pem(private_key(), fmt=fmt, passphrase=b"secret")
    assert ("Proc-Type: 4,ENCRYPTED" in text) == (fmt == "traditional")
    block = pki.parse_pem(text).keys[0]
    assert block.encrypted and block.key is None


@pytest.mark.parametrize("text, expected", [
    ("", "is empty"),
    ("  \n\t\n", "is empty"),
    ("0\x82\x03\x01\x02garbage", "binary data"),
    ("-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n", "literal \\n"),
    ("-----BEGIN CERTIFICATE-----MIIBAA==-----END CERTIFICATE-----", "on one line"),
    ("-----BEGIN CERTIFICATE-----\nMIIBAA==\n", "has no END CERTIFICATE"),
    ("MIIBAA==\n-----END CERTIFICATE-----\n", "END CERTIFICATE without a matching BEGIN"),
    ("-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END PRIVATE KEY-----\n", "closes the BEGIN CERTIFICATE"),
    ("----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n", "malformed armour"),
    ("-----BEGIN CERTIFICATE-----\nMII*BAA==\n-----END CERTIFICATE-----\n", "not base64"),
    ("-----BEGIN CERTIFICATE-----\nMIIBA\n-----END CERTIFICATE-----\n", "invalid base64"),
    ("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "is empty"),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not hold a valid X.509"),
    ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not hold a valid private key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "OpenSSH format"),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----BEGIN CERTIFICATE-----\n", "inside the CERTIFICATE block"),
    ("MIIBAAAABBBBCCCC\nDDDDEEEEFFFFGGGG\n", "without PEM armour"),
    ("hello world\n", "no PEM block"),
])
def test_precise_errors(text, expected):
    assert expected in _error(text)


def test_der_given_where_pem_is_required():
    assert "binary data" in _error(LEAF.der.decode("latin-1"))
    assert "binary data" in _error(LEAF.der.decode("utf-8", errors="replace"))


def test_errors_and_reprs_carry_no_key_material():
    lines = LEAF.key_pem.splitlines()
    broken = "\n".join(lines[:3] + [lines[3][:-2] + "!!"] + lines[4:])   # a corrupt key line
    message = _error(broken)
    truncated = _error("\n".join(lines[:-1]))                           # no END line
    for body_line in lines[1:-1]:
        assert body_line not in message and body_line[:16] not in truncated
    block = pki.parse_pem(LEAF.key_pem).keys[0]
    assert lines[1][:16] not in repr(block) and "key=" not in repr(block)


# --- facts about certificates ----------------------------------------------------------------

@pytest.mark.parametrize("kind, expected", [
    ("rsa1024", "RSA_1024"), ("rsa2048", "RSA_2048"), ("rsa3072", "RSA_3072"), ("rsa4096", "RSA_4096"),
    ("ec256", "EC_prime256v1"), ("ec384", "EC_secp384r1"), ("ec521", "EC_secp521r1"),
    ("ec-secp256k1", "EC_secp256k1"),
])
def test_key_type_uses_acm_names(kind, expected):
    leaf = make_leaf(None, key=kind)
    assert pki.key_type(leaf.cert) == expected == pki.key_type(leaf.key)


@pytest.mark.parametrize("host, sans, covered", [
    ("www.example.com", ["www.example.com"], True),
    ("WWW.Example.COM.", ["www.example.com"], True),
    ("www.example.com", ["*.EXAMPLE.com"], True),
    ("example.com", ["*.example.com"], False),
    ("a.b.example.com", ["*.example.com"], False),
    (".example.com", ["*.example.com"], False),
    ("www.example.com", ["w*.example.com"], False),
    ("www.example.com", ["*.*.com"], False),
    ("www.example.org", ["www.example.com", "*.example.org"], True),
    ("example.com", [], False),
    ("", ["*.example.com"], False),
])
def test_covers(host, sans, covered):
    assert pki.covers(sans, host) is covered


def test_certificate_facts():
    assert pki.dns_names(LEAF.cert) == ["www.example.com"]
    assert pki.dns_names(make_leaf(None, sans=None, cn="x").cert) == []
    assert pki.describe(LEAF.cert) == "CN=www.example.com"
    assert pki.is_ca(INTER.cert) and not pki.is_ca(LEAF.cert)
    assert pki.server_auth_allowed(LEAF.cert)
    assert pki.server_auth_allowed(make_leaf(None, eku=None).cert)
    assert not pki.server_auth_allowed(make_leaf(None, eku=("clientAuth",)).cert)
    assert pki.iso(dt.datetime(2026, 3, 15, 1, 2, 3, tzinfo=dt.timezone.utc)) == "2026-03-15T01:02:03Z"


@pytest.mark.parametrize("hash", ["sha256", "sha1", "md5"])
def test_signature_verifies_rsa_any_hash(hash):
    leaf = make_leaf(INTER, hash=hash)
    assert pki.signature_hash_name(leaf.cert) == hash
    assert pki.signature_verifies(leaf.cert, INTER.cert) is True
    assert pki.signature_verifies(leaf.cert, ROOT.cert) is False


def test_signature_verifies_ecdsa_and_pss():
    ec_ca = make_ca("EC CA", key="ec384")
    for hash in ("sha256", "sha1"):
        assert pki.signature_verifies(make_leaf(ec_ca, hash=hash).cert, ec_ca.cert) is True
    assert pki.signature_verifies(make_leaf(ec_ca).cert, INTER.cert) is False
    template = LEAF.cert
    builder = (x509.CertificateBuilder().subject_name(template.subject).issuer_name(INTER.cert.subject)
               .public_key(template.public_key()).serial_number(7)
               .not_valid_before(template.not_valid_before_utc).not_valid_after(template.not_valid_after_utc))
    pss = builder.sign(INTER.key, hashes.SHA256(),
                       rsa_padding=padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH))
    assert pki.signature_verifies(pss, INTER.cert) is True
    assert pki.signature_verifies(pss, ROOT.cert) is False


def test_self_signed_and_chain_order():
    assert pki.is_self_signed(ROOT.cert) and pki.is_self_signed(make_leaf(None).cert)
    assert not pki.is_self_signed(INTER.cert) and not pki.is_self_signed(LEAF.cert)
    assert pki.first_order_break([LEAF.cert, INTER.cert, ROOT.cert]) is None
    assert pki.first_order_break([LEAF.cert]) is None
    assert pki.first_order_break([LEAF.cert, ROOT.cert, INTER.cert]) == 1
    assert pki.first_order_break([INTER.cert, LEAF.cert]) == 1


def test_factory_builds_legacy_certificates():
    v1 = make_leaf(ROOT, version=1)
    assert v1.cert.version == x509.Version.v1 and len(v1.cert.extensions) == 0
    assert pki.signature_verifies(v1.cert, ROOT.cert) is True
    assert make_leaf(ROOT, hash="md5").cert.signature_algorithm_oid.dotted_string == "1.2.840.113549.1.1.4"


def test_corrupted_certificates_never_raise_anything_but_pem_error():
    """Flip bytes across a chain's DER: parsing either works or raises PemError, and every
    certificate rule runs on what parses without raising."""
    import base64
    import random

    from elbtls.validators.findings import Where
    from elbtls.validators.model import Context, Pem, PemBundle, Project
    from elbtls.validators.rules import certificate, chain
    from pydantic import SecretStr

    rng = random.Random(7)
    der = bytearray(LEAF.der)
    ctx = Context(at=dt.datetime.now(dt.timezone.utc))
    for _ in range(150):
        mutated = bytearray(der)
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        body = base64.encodebytes(bytes(mutated)).decode()
        text = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n" + INTER.cert_pem
        try:
            pki.parse_pem(text)
        except pki.PemError:
            pass
        project = Project(pem_bundles=[PemBundle(pem=Pem(text=SecretStr(text), origin=Where(file="f.pem")))])
        for check in certificate.CHECKS + chain.CHECKS:
            list(check(project, ctx))
