"""The example's throwaway PKI (modules/demo_pki.py): what it writes passes the validator's
certificate and chain rules, keys stay private, and files are reissued only when needed."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta, timezone

from cryptography import x509

from elbtls.modules import demo_pki
from elbtls.validators.findings import Where
from elbtls.validators.model import CertificateResource, Context, Pem, Project
from elbtls.validators.rules import all_checks

NAMES = {"api": ["api.example.com"], "legacy": ["legacy.example.com", "www.legacy.example.com"]}


def leaf(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_demo_certificates_pass_the_validator(tmp_path):
    issued = demo_pki.ensure(tmp_path, NAMES)
    now = datetime.now(timezone.utc)
    for stem, files in issued.items():
        pems = {field: Pem(text=path.read_text(), origin=Where(file=str(path)))
                for field, path in (("body", files.body), ("chain", files.chain), ("private_key", files.key))}
        for kind in ("acm-imported", "iam"):
            project = Project(certificates=[CertificateResource(address=f"x.{stem}", where=Where(), kind=kind,
                                                                create_before_destroy=True, **pems)])
            found = [f for check in all_checks() for f in check(project, Context(at=now))]
            assert not found, [(f.rule, f.message) for f in found]
        assert leaf(files.body).extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == NAMES[stem]


def test_keys_are_private_and_leaves_short_lived(tmp_path):
    issued = demo_pki.ensure(tmp_path, NAMES)
    for key in tmp_path.glob("*.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    for files in issued.values():
        cert = leaf(files.body)
        assert cert.not_valid_after_utc - cert.not_valid_before_utc <= timedelta(days=200)


def test_current_files_are_kept(tmp_path):
    first = demo_pki.ensure(tmp_path, NAMES)
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    assert demo_pki.ensure(tmp_path, NAMES) == first
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_leaf_is_reissued_when_its_names_change_or_it_nears_expiry(tmp_path):
    demo_pki.ensure(tmp_path, NAMES)
    api, legacy = (tmp_path / "api.crt").read_bytes(), (tmp_path / "legacy.crt").read_bytes()
    demo_pki.ensure(tmp_path, {**NAMES, "api": ["api.example.com", "api2.example.com"]})
    assert (tmp_path / "api.crt").read_bytes() != api
    assert (tmp_path / "legacy.crt").read_bytes() == legacy
    later = datetime.now(timezone.utc) + timedelta(days=demo_pki.LEAF_DAYS - demo_pki.RENEW_DAYS + 1)
    demo_pki.ensure(tmp_path, NAMES, now=later)
    assert leaf(tmp_path / "legacy.crt").not_valid_after_utc > later + timedelta(days=demo_pki.RENEW_DAYS)
