"""End to end for the bundled example, one test per stack: CLI synth (once per session) →
`terraform init` from the provider mirror → `terraform validate` → `terraform apply` against a
moto server → boto3 reads back the certificates, each listener with its certificate ARN and TLS
policy, and back-end authentication → `terraform destroy` → nothing left. The same for the
plain-Terraform root (examples/plain-terraform) that uses the emitted modules.

Two sources of truth are compared with AWS: Terraform's state (everything the stack declared
exists as declared, see e2e_readback) and the stack config (each load balancer serves the
listeners, certificate kinds, TLS policies and back-end keys the user wrote down).

The account is prepared as a user's would be: the Route 53 zones the example looks up and the
S3 buckets its access logs go to exist before apply. Where moto differs from AWS:
- a requested certificate turns ISSUED after MOTO_ACM_VALIDATION_WAIT seconds without any
  real DNS check (AWS checks the validation CNAMEs);
- moto accepts access logs to a bucket without the ELB log-delivery bucket policy AWS requires;
- see e2e_readback for the listener instance protocol and the IAM expiration.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from elbtls.validators import stackconfig
from tests import e2e_readback as rb
from tests.awsmock import MotoServer
from tests.certs import make_ca, make_leaf
from tests.example_synth import EXAMPLE_CONFIG, synthesized_example
from tests.terraform import Terraform, terraform_available

ROOT = Path(__file__).resolve().parent.parent
PLAIN_ROOT = "examples/plain-terraform"
EMITTED_MODULES = "terraform/modules"
CONFIG = stackconfig.load(EXAMPLE_CONFIG)
KINDS = {"requested": "acm-requested", "imported": "acm-imported", "iam": "iam"}
CERT_KINDS = {cert_id: KINDS[entry.kind] for cert_id, (_, entry) in CONFIG.certificates().items()}

needs_terraform = pytest.mark.skipif(terraform_available() is not None, reason=str(terraform_available()))


@pytest.fixture(scope="module")
def moto():
    with MotoServer(acm_validation_wait=1) as server:
        yield server


@pytest.fixture(scope="module")
def aws(moto) -> rb.Aws:
    """The account with what the example expects to exist already."""
    aws = rb.Aws(moto.env())
    zones = {zone for s in CONFIG.stacks for c in s.certificates if c.kind == "requested"
             for zone, how in c.zones.items() if how == "lookup"}
    for zone in sorted(zones):
        aws.client("route53").create_hosted_zone(Name=zone, CallerReference=zone)
    buckets = {(lb.access_logs.bucket, s.region) for s in CONFIG.stacks for lb in s.load_balancers if lb.access_logs}
    for bucket, region in sorted(buckets):
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        aws.client("s3", region).create_bucket(Bucket=bucket, **where)
    return aws


def test_example_covers_what_the_issue_asks():
    """Two regions, a requested DNS-validated, an imported and an IAM certificate, back-end
    authentication on a load balancer: the stacks below exercise all of it."""
    assert len({s.region for s in CONFIG.stacks}) >= 2
    kinds = {c.kind for s in CONFIG.stacks for c in s.certificates}
    assert kinds == set(KINDS)
    assert any(c.validation_method == "DNS" for s in CONFIG.stacks for c in s.certificates if c.kind == "requested")
    assert any(lb.backend_authentication for s in CONFIG.stacks for lb in s.load_balancers)


@pytest.mark.e2e
@pytest.mark.cdk
@needs_terraform
@pytest.mark.parametrize("stack", CONFIG.stacks, ids=lambda s: s.name)
def test_stack_applies_serves_tls_and_destroys(stack, aws, moto, tmp_path):
    tf = Terraform.offline(synthesized_example() / "stacks" / stack.name, tmp_path, moto.env())
    rb.apply_check_destroy(tf, aws, lambda _, certificates, live: assert_serves_config(stack, live, certificates))


@pytest.mark.e2e
@needs_terraform
def test_plain_terraform_root_applies_serves_tls_and_destroys(aws, moto, tmp_path):
    """The plain-Terraform root with the emitted modules, by their relative `source`: staged
    with the same layout, fed PEM from tests/certs.py (the key only through TF_VAR_), in a
    zone of its own."""
    for part in (PLAIN_ROOT, EMITTED_MODULES):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    inter = make_ca("Test Intermediate", issuer=make_ca())
    api = make_leaf(inter, sans=("api.example.com",))
    backend = make_leaf(inter, sans=("backend.internal.example.com",), slot=1)
    (tmp_path / "api.crt").write_text(api.cert_pem)
    (tmp_path / "api.chain.crt").write_text(inter.cert_pem)
    backend_key = base64.b64encode(_spki(backend.cert)).decode()
    aws.client("route53").create_hosted_zone(Name="example.org", CallerReference="plain-terraform")
    aws.client("s3", "eu-west-1").create_bucket(
        Bucket="elbtls-plain-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    inputs = {"TF_VAR_zone_name": "example.org", "TF_VAR_access_logs_bucket": "elbtls-plain-logs",
              "TF_VAR_api_certificate_body_file": str(tmp_path / "api.crt"),
              "TF_VAR_api_certificate_chain_file": str(tmp_path / "api.chain.crt"),
              "TF_VAR_api_private_key": api.key_pem,
              "TF_VAR_backend_public_keys": json.dumps([backend_key])}

    def serves_tls(_state, certificates, load_balancers):
        live = load_balancers["elbtls-plain"]
        assert live.region == "eu-west-1"
        assert {port: certificates[ls.certificate] for port, ls in live.listeners.items()} == {
            443: "acm-requested", 8443: "acm-imported"}
        for port in live.listeners:
            assert enabled_tls(live.tls_policy(port)) == expected_tls(None), port
        trusted = {port: rb.backend_public_keys(live, port) for port in live.backend_policies}
        assert trusted == {443: {_spki(backend.cert)}}

    tf = Terraform.offline(tmp_path / PLAIN_ROOT, tmp_path, {**moto.env(), **inputs})
    rb.apply_check_destroy(tf, aws, serves_tls)


def assert_serves_config(stack: stackconfig.Stack, live: dict[str, rb.LiveLoadBalancer],
                         certificates: dict[str, str]) -> None:
    """Each load balancer of the stack config, as AWS holds it, serves what the config says."""
    assert set(live) == {lb.name for lb in stack.load_balancers}
    for lb in stack.load_balancers:
        got = live[lb.name]
        assert got.region == stack.region, lb.name
        assert set(got.listeners) == {ls.lb_port for ls in lb.listeners}, lb.name
        for ls in lb.listeners:
            where = f"{lb.name} listener {ls.lb_port}"
            listener = got.listeners[ls.lb_port]
            assert listener.protocol == ls.lb_protocol, where
            if not ls.secure:
                continue
            if ls.certificate in CERT_KINDS:
                assert certificates[listener.certificate] == CERT_KINDS[ls.certificate], where
            else:
                assert listener.certificate == ls.certificate, where
            assert enabled_tls(got.tls_policy(ls.lb_port)) == expected_tls(ls.tls_policy), where
        trusted = {a.instance_port: {public_key_der(path) for path in a.certificates}
                   for a in lb.backend_authentication}
        assert {port: rb.backend_public_keys(got, port) for port in got.backend_policies} == trusted, lb.name


def expected_tls(policy: str | stackconfig.CustomTlsPolicy | None) -> dict[str, str] | set[str]:
    """A predefined policy as its reference, a custom one as the attributes it enables."""
    if policy is None or isinstance(policy, str):
        return {"Reference-Security-Policy": policy or rb.DEFAULT_TLS_POLICY}
    order = ["Server-Defined-Cipher-Order"] if policy.server_defined_cipher_order else []
    return {*policy.protocols, *policy.ciphers, *order}


def enabled_tls(policy: dict | None) -> dict[str, str] | set[str] | None:
    if policy is None:
        return None
    attrs = policy["attributes"]
    if "Reference-Security-Policy" in attrs:
        return {"Reference-Security-Policy": attrs["Reference-Security-Policy"]}
    return {name for name, value in attrs.items() if value == "true"}


def public_key_der(path: str) -> bytes:
    """The DER public key of a certificate file the stack config names (relative to it)."""
    return _spki(x509.load_pem_x509_certificate((EXAMPLE_CONFIG.parent / path).read_bytes()))


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _live_as_configured(stack: stackconfig.Stack) -> tuple[dict[str, rb.LiveLoadBalancer], dict[str, str]]:
    """What AWS would hold for a stack without back-end authentication, built from its config."""
    live, certificates = {}, {}
    for lb in stack.load_balancers:
        listeners = {}
        for ls in lb.listeners:
            arn = policies = None
            if ls.secure:
                arn = ls.certificate if ls.certificate not in CERT_KINDS else \
                    f"arn:aws:acm:{stack.region}:123456789012:certificate/{ls.certificate}"
                certificates[arn] = CERT_KINDS.get(ls.certificate, "acm-imported")
                tls = expected_tls(ls.tls_policy)
                attributes = tls if isinstance(tls, dict) else dict.fromkeys(tls, "true")
                policies = {"tls": {"type": "SSLNegotiationPolicyType", "attributes": attributes}}
            listeners[ls.lb_port] = rb.LiveListener(ls.lb_protocol, ls.instance_port, arn, policies or {})
        live[lb.name] = rb.LiveLoadBalancer(lb.name, stack.region, listeners, {})
    return live, certificates


def test_config_comparison_notices_an_outdated_policy():
    """The config comparison above is not vacuous: the same load balancers with TLS 1.0 allowed fail it."""
    stack = next(s for s in CONFIG.stacks if not any(lb.backend_authentication for lb in s.load_balancers))
    live, certificates = _live_as_configured(stack)
    assert_serves_config(stack, live, certificates)
    for lb in live.values():
        for listener in lb.listeners.values():
            for policy in listener.policies.values():
                policy["attributes"] = {"Reference-Security-Policy": "ELBSecurityPolicy-2016-08"}
    with pytest.raises(AssertionError, match="listener"):
        assert_serves_config(stack, live, certificates)
