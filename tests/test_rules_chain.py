"""Chain rules: one positive and one negative case per slug, for Terraform certificates
and standalone PEM files."""

from __future__ import annotations

import datetime as dt

from elbtls.validators.model import Context, PemBundle, Project, Unresolved
from elbtls.validators.rules import chain as chain_rules
from tests.certs import bundle, make_ca, make_leaf
from tests.test_rules_certificate import AT, INTER, LEAF, NB, ROOT, cert_resource, pem


def run(project: Project, at: dt.datetime = AT):
    return [f for check in chain_rules.CHECKS for f in check(project, Context(at=at))]


def slugs(project: Project, **kw) -> list[str]:
    return sorted(f.rule for f in run(project, **kw))


def resource(*chain, leaf=LEAF) -> Project:
    return Project(certificates=[cert_resource(leaf, chain)])


def pem_file(*parts) -> Project:
    return Project(pem_bundles=[PemBundle(pem=pem(bundle(*parts), "certs/site.pem"))])


def test_clean_chains_have_no_findings():
    assert run(resource(INTER)) == run(resource(INTER, ROOT)) == []
    assert run(pem_file(LEAF, INTER, ROOT)) == run(pem_file(INTER, ROOT)) == []
    assert run(resource(leaf=make_leaf(None, not_before=NB))) == []       # self-signed, no chain


def test_chain_incomplete():
    found = run(resource())                                                # no chain at all
    assert [f.rule for f in found] == ["chain-incomplete"]
    assert "CN=Test Intermediate" in found[0].message and found[0].resource == "aws_acm_certificate.web"
    assert slugs(resource(ROOT)) == ["chain-incomplete"]                   # root without the intermediate
    assert slugs(pem_file(LEAF, ROOT)) == ["chain-incomplete"]
    assert run(pem_file(LEAF)) == []          # a lone cert.pem is half of a pair, not a broken bundle


def test_unknown_chain_is_not_judged():
    unresolved = Unresolved(expression="var.chain", reason="no default")
    assert run(Project(certificates=[cert_resource(LEAF, unresolved)])) == []
    assert run(Project(certificates=[cert_resource(LEAF, pem("garbage"))])) == []


def test_chain_order_invalid():
    found = run(resource(ROOT, INTER))
    assert [f.rule for f in found] == ["chain-order-invalid"]
    assert "certificate 1 of the chain (CN=Test Root CA)" in found[0].message
    assert slugs(pem_file(LEAF, ROOT, INTER)) == ["chain-order-invalid"]
    assert slugs(pem_file(ROOT, INTER)) == ["chain-order-invalid"]        # a CA file, root first
    unrelated = make_ca("Unrelated CA", not_before=AT - dt.timedelta(days=30))
    assert slugs(resource(INTER, unrelated)) == ["chain-order-invalid"]


def test_chain_contains_leaf():
    found = run(resource(LEAF, INTER))
    assert [f.rule for f in found] == ["chain-contains-leaf"]               # and no order finding
    assert "repeats the leaf CN=www.example.com" in found[0].message
    assert "chain-contains-leaf" not in slugs(resource(INTER))


def test_chain_signature_invalid():
    impostor = make_ca("Test Intermediate", issuer=ROOT, slot="impostor", not_before=AT - dt.timedelta(days=30))
    found = run(resource(impostor))
    assert [f.rule for f in found] == ["chain-signature-invalid"]
    assert "signature on CN=www.example.com does not verify" in found[0].message
    # the intermediate's own signature is checked too: issued by another "Test Root CA"
    other_root = make_ca("Test Root CA", slot="other-root", not_before=AT - dt.timedelta(days=30))
    assert slugs(resource(INTER, other_root)) == ["chain-signature-invalid"]
    assert "chain-signature-invalid" not in slugs(resource(INTER, ROOT))


def test_chain_cert_expired():
    expired = make_ca("Test Intermediate", issuer=ROOT, not_before=AT - dt.timedelta(days=100), days=50)
    found = run(resource(expired))
    assert [f.rule for f in found] == ["chain-cert-expired"]
    assert "expired on 2026-04-12T12:00:00Z" in found[0].message
    future = make_ca("Test Intermediate", issuer=ROOT, not_before=AT + dt.timedelta(days=1))
    assert "is not valid before 2026-06-02" in run(resource(future))[0].message
    assert "chain-cert-expired" not in slugs(resource(INTER))
    assert slugs(pem_file(expired, ROOT)) == ["chain-cert-expired"]
