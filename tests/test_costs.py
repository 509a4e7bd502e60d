"""Work a run does once, however many rules and resources need its result: a file read by
file(), a PEM text parsed, a signature checked. (benchmarks/validate_bench.py times the
whole; these keep the repeats out.)"""

from __future__ import annotations

import datetime as dt
import importlib

from pydantic import SecretStr

from elbtls.validators import pki
from elbtls.validators.findings import Where
from elbtls.validators.inputs import load
from elbtls.validators.model import (CertificateResource, Context, Listener, LoadBalancer, Pem, PemBundle, Project,
                                     Ref)
from elbtls.validators.rules import all_checks
from tests.certs import bundle, make_ca, make_leaf

UTC = dt.timezone.utc
AT = dt.datetime(2026, 6, 1, tzinfo=UTC)
ROOT = make_ca("Cost Root", not_before=AT - dt.timedelta(days=400))
INTER = make_ca("Cost Intermediate", issuer=ROOT, not_before=AT - dt.timedelta(days=300))
evaluate_module = importlib.import_module("elbtls.validators.inputs.evaluate")


def pem(text: str, file: str) -> Pem:
    return Pem(text=SecretStr(text), origin=Where(file=file))


def served_certificate(leaf, address: str) -> tuple[CertificateResource, LoadBalancer]:
    """An imported certificate (leaf, chain up to the root, key) and an HTTPS listener using it."""
    cert = CertificateResource(address=address, where=Where(file="main.tf", line=1, resource=address),
                               kind="acm-imported", body=pem(leaf.cert_pem, "leaf.pem"),
                               chain=pem(bundle(INTER, ROOT), "chain.pem"), private_key=pem(leaf.key_pem, "key.pem"))
    lb_address = address.replace("aws_acm_certificate", "aws_elb")
    lb = LoadBalancer(address=lb_address, where=Where(file="main.tf", line=9, resource=lb_address),
                      listeners=[Listener(lb_port=443, lb_protocol="HTTPS", instance_port=443, instance_protocol="HTTPS",
                                          ssl_certificate_id=Ref(address=address, attribute="arn"),
                                          where=Where(file="main.tf", line=10))])
    return cert, lb


def run_all(project: Project) -> None:
    ctx = Context(at=AT)
    for check in all_checks():
        list(check(project, ctx))


def test_file_reads_each_file_once_per_argument(tmp_path, monkeypatch):
    leaf = make_leaf(INTER, not_before=AT - dt.timedelta(days=10))
    (tmp_path / "certs").mkdir()
    for name, text in {"leaf.pem": leaf.cert_pem, "chain.pem": INTER.cert_pem, "key.pem": leaf.key_pem}.items():
        (tmp_path / "certs" / name).write_text(text)
    (tmp_path / "main.tf").write_text(
        'resource "aws_acm_certificate" "web" {\n'
        '  certificate_body  = file("${path.module}/certs/leaf.pem")\n'
        '  certificate_chain = file("${path.module}/certs/chain.pem")\n'
        '  private_key       = file("${path.module}/certs/key.pem")\n'
        '  lifecycle {\n    create_before_destroy = true\n  }\n}\n')
    reads = []
    real = evaluate_module.read_text
    monkeypatch.setattr(evaluate_module, "read_text", lambda path, limit: reads.append(path) or real(path, limit))
    result = load([str(tmp_path)])
    assert sorted(p.rsplit("/", 1)[-1] for p in reads) == ["chain.pem", "key.pem", "leaf.pem"]
    assert result.project.certificates[0].body.reveal() == leaf.cert_pem


def test_every_rule_module_together_parses_each_pem_text_once(monkeypatch):
    """The TLS rules read a certificate's key type from the certificate rules' parse."""
    leaf = make_leaf(INTER, key="ec256", not_before=AT - dt.timedelta(days=10))
    cert, lb = served_certificate(leaf, "aws_acm_certificate.web")
    parsed = []
    real = pki.parse_pem
    monkeypatch.setattr(pki, "parse_pem", lambda text: parsed.append(text) or real(text))
    run_all(Project(certificates=[cert], load_balancers=[lb],
                    pem_bundles=[PemBundle(pem=pem(bundle(leaf, INTER), "site.pem"))]))
    assert len(parsed) == 4 == len(set(parsed))   # body, chain, key, the PEM file


def test_each_signature_is_checked_once_per_certificate_and_issuer():
    """A root in many chains is verified once (its self-signature is looked at by the
    validity, form and chain rules alike)."""
    pki._verifies.cache_clear()
    resources = [served_certificate(make_leaf(INTER, sans=(f"www{i}.example.com",), slot=f"cost{i}",
                                              not_before=AT - dt.timedelta(days=10)),
                                    f"aws_acm_certificate.web{i}") for i in range(3)]
    run_all(Project(certificates=[c for c, _ in resources], load_balancers=[lb for _, lb in resources]))
    checked = pki._verifies.cache_info()
    # three leaves by the intermediate, the intermediate by the root, the root by itself
    assert checked.misses == 5
    assert checked.hits > 0
