"""The CDK constructs (modules/), in this process under the default flavour (CDK Terrain):
props fail with pydantic errors before any jsii call; a rule violation fails synth with its
slug and the construct path; region mismatch across stacks; validation records; TLS
policies, back-end authentication, PEM inputs that never reach the output."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from elbtls.modules import cdk
from elbtls.modules.acm import ImportedCertificate, RequestedCertificate
from elbtls.modules.conventions import AWS_PROVIDER_CONSTRAINT
from elbtls.modules.elb import ClassicLoadBalancer
from elbtls.modules.iam import IamServerCertificate
from elbtls.modules.stack import ElbTlsStack
from elbtls.validators.facts import tls_policies
from tests import certs

pytestmark = pytest.mark.cdk

ACM_ARN_USE1 = "arn:aws:acm:us-east-1:123456789012:certificate/0e3b1b5c-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.fixture
def app(tmp_path):
    return cdk.App(outdir=str(tmp_path / "cdktf.out"))


@pytest.fixture
def stack(app):
    return ElbTlsStack(app, "s", region="eu-west-1")


def synth(stack) -> dict:
    """The stack as Terraform JSON, validations run (raises RuntimeError when one fails)."""
    return json.loads(cdk.Testing.synth(stack, True))


def synth_error(stack) -> str:
    with pytest.raises(RuntimeError) as e:
        synth(stack)
    return str(e.value)


def https(port=443, certificate=None, **extra) -> dict:
    return {"lb_port": port, "lb_protocol": "HTTPS", "instance_port": 80, "instance_protocol": "HTTP",
            "certificate": certificate, **extra}


def lb(scope, certificate=None, id="lb", **props):
    props = {"name": "web", "availability_zones": ["eu-west-1a"], "listeners": [https(certificate=certificate)], **props}
    return ClassicLoadBalancer(scope, id, **props)


def requested(scope, id="cert", **props):
    props = {"domain_name": "www.example.com", "zones": {"example.com": "Z0123456789ABC"}, **props}
    return RequestedCertificate(scope, id, **props)


def resources(out: dict, kind: str) -> dict:
    return out["resource"].get(kind, {})


def warnings(construct) -> list[str]:
    return [str(m.data) for m in construct.node.metadata if "warn" in m.type]


# --- props ------------------------------------------------------------------------------------

def test_invalid_props_fail_with_pydantic_before_any_construct_exists(stack):
    with pytest.raises(ValidationError) as e:
        lb(stack, listeners=[https(port=70000, certificate=ACM_ARN_USE1)])
    assert "listeners.0.lb_port" in str(e.value) and "65535" in str(e.value)
    assert stack.node.try_find_child("lb") is None
    with pytest.raises(ValidationError, match="key_algorithm"):
        requested(stack, key_algorithm="RSA_1024")
    assert stack.node.try_find_child("cert") is None


def test_props_as_model_dict_or_keywords_but_not_two_at_once(stack):
    with pytest.raises(TypeError, match="not both"):
        RequestedCertificate(stack, "c", props={"domain_name": "a.example.com"}, zones={"example.com": "lookup"})
    RequestedCertificate(stack, "c", props={"domain_name": "a.example.com", "zones": {"example.com": "lookup"}})
    assert synth(stack)


def test_a_listener_certificate_must_be_a_construct_or_an_arn(stack):
    with pytest.raises(ValidationError, match="certificate"):
        lb(stack, certificate=object())


# --- synth-time rules ------------------------------------------------------------------------

def test_https_listener_without_certificate_fails_synth_with_slug_and_path(stack):
    lb(stack)
    message = synth_error(stack)
    assert "[s/lb] listener-missing-certificate (ELBTLS505)" in message


def test_invalid_load_balancer_name_fails_synth(stack):
    lb(stack, certificate=ACM_ARN_USE1.replace("us-east-1", "eu-west-1"), name="-web-")
    assert "[s/lb] lb-name-invalid" in synth_error(stack)


def test_a_valid_load_balancer_synthesizes(stack):
    cert = requested(stack)
    lb(stack, certificate=cert)
    out = synth(stack)
    (elb,) = resources(out, "aws_elb").values()
    assert elb["listener"][0]["ssl_certificate_id"] == "${aws_acm_certificate_validation.cert_validation.certificate_arn}"


def test_certificate_from_a_stack_in_another_region_fails_synth(app):
    use1 = ElbTlsStack(app, "use1", region="us-east-1")
    euw1 = ElbTlsStack(app, "euw1", region="eu-west-1")
    lb(euw1, certificate=requested(use1))
    with pytest.raises(RuntimeError) as e:
        app.synth()
    assert "[euw1/lb] certificate-region-mismatch (ELBTLS510)" in str(e.value)
    assert "us-east-1" in str(e.value) and "eu-west-1" in str(e.value)


def test_certificate_from_another_stack_in_the_same_region_is_fine(app):
    certs_stack = ElbTlsStack(app, "certs", region="eu-west-1")
    web = ElbTlsStack(app, "web", region="eu-west-1")
    lb(web, certificate=requested(certs_stack))
    app.synth()  # a cross-stack reference, no error


def test_iam_certificates_are_global(app, tmp_path, chain):
    files = _pem_files(tmp_path, chain[1], chain[0])
    use1 = ElbTlsStack(app, "use1", region="us-east-1")
    euw1 = ElbTlsStack(app, "euw1", region="eu-west-1")
    cert = IamServerCertificate(use1, "legacy", certificate_body_file=files["body"],
                                certificate_chain_file=files["chain"], private_key_file=files["key"])
    lb(euw1, certificate=cert)
    app.synth()


def test_an_acm_arn_of_another_region_fails_synth(stack):
    lb(stack, certificate=ACM_ARN_USE1)
    assert "[s/lb] certificate-region-mismatch" in synth_error(stack)


def test_a_malformed_certificate_arn_fails_synth(stack):
    lb(stack, certificate="arn:aws:s3:::bucket")
    assert "[s/lb] certificate-arn-invalid" in synth_error(stack)


def test_ec_requested_certificate_fails_only_once_a_classic_lb_uses_it(stack, app):
    requested(stack, key_algorithm="EC_prime256v1")
    synth(stack)  # on its own: fine (an ALB could use it)
    other = ElbTlsStack(app, "t", region="eu-west-1")
    lb(other, certificate=requested(other, key_algorithm="EC_prime256v1"))
    message = synth_error(other)
    assert "[t/lb] key-algorithm-unsupported" in message


def test_a_certificate_defect_is_reported_once_by_the_certificate(stack):
    cert = requested(stack, domain_name="bad_name.example.com")
    lb(stack, certificate=cert)
    message = synth_error(stack)
    assert message.count("domain-name-invalid") == 1
    assert "[s/cert] domain-name-invalid" in message


def test_warnings_become_annotations_and_do_not_fail_synth(stack):
    cert = requested(stack, transparency_logging=False)
    balancer = lb(stack, certificate=cert, listeners=[https(certificate=cert, tls_policy="ELBSecurityPolicy-2016-08")])
    synth(stack)
    assert any("transparency-logging-disabled" in w for w in warnings(cert))
    assert any("ssl-policy-outdated" in w for w in warnings(balancer))


def test_constructs_in_a_plain_terraform_stack_still_validate(app):
    plain = cdk.TerraformStack(app, "plain")
    cdk.AwsProvider(plain, "aws", region="eu-west-1")
    lb(plain, certificate=requested(plain))
    synth(plain)  # region unknown to elbtls: no mismatch claimed, no crash
    broken = cdk.TerraformStack(app, "broken")
    cdk.AwsProvider(broken, "aws", region="eu-west-1")
    lb(broken)
    assert "[broken/lb] listener-missing-certificate" in synth_error(broken)


# --- requested certificates --------------------------------------------------------------------

def test_requested_certificate_resources(stack):
    requested(stack, subject_alternative_names=["example.com"])
    out = synth(stack)
    cert = resources(out, "aws_acm_certificate")["cert"]
    assert cert["lifecycle"] == {"create_before_destroy": True}
    assert cert["key_algorithm"] == "RSA_2048"
    assert cert["options"]["certificate_transparency_logging_preference"] == "ENABLED"
    validation = resources(out, "aws_acm_certificate_validation")["cert_validation"]
    assert validation["certificate_arn"] == "${aws_acm_certificate.cert.arn}"
    assert "aws_route53_record.cert_validation" in validation["validation_record_fqdns"]


def _record_keys(stack, sans) -> tuple[dict, dict]:
    requested(stack, subject_alternative_names=sans)
    record = resources(synth(stack), "aws_route53_record")["cert_validation"]
    return record, record["for_each"]


def test_wildcard_and_base_name_share_one_record_keyed_by_name(stack):
    _, keys = _record_keys(stack, ["*.example.com", "example.com"])
    assert keys == {"example.com": "Z0123456789ABC", "www.example.com": "Z0123456789ABC"}


def test_reordering_sans_keeps_the_record_resource_identical(app):
    a, _ = _record_keys(ElbTlsStack(app, "a", region="eu-west-1"), ["example.com", "*.example.com", "api.example.com"])
    b, _ = _record_keys(ElbTlsStack(app, "b", region="eu-west-1"), ["api.example.com", "*.example.com", "example.com"])
    assert a == b


def test_records_take_their_values_from_the_certificates_validation_options(stack):
    record, _ = _record_keys(stack, [])
    options = "aws_acm_certificate.cert.domain_validation_options"
    assert record["name"] == f"${{one([for o in {options} : o.resource_record_name if o.domain_name == each.key])}}"
    assert record["allow_overwrite"] is True


def test_zone_lookup_reads_the_public_zone(stack):
    requested(stack, zones={"example.com": "lookup"})
    out = synth(stack)
    (zone,) = out["data"]["aws_route53_zone"].values()
    assert zone == {"name": "example.com", "private_zone": False}
    record = resources(out, "aws_route53_record")["cert_validation"]
    assert set(record["for_each"].values()) == {"${data.aws_route53_zone.cert_example_com.zone_id}"}


def test_email_validation_has_no_records_but_still_waits_for_issuance(stack):
    cert = requested(stack, validation_method="EMAIL", zones={})
    lb(stack, certificate=cert)
    out = synth(stack)
    assert "aws_route53_record" not in out["resource"]
    assert "cert_validation" in resources(out, "aws_acm_certificate_validation")


# --- imported and IAM certificates ---------------------------------------------------------------

def _pem_files(tmp_path, leaf, chain=None, key=None) -> dict[str, str]:
    paths = {"body": tmp_path / "leaf.crt", "chain": tmp_path / "chain.crt", "key": tmp_path / "leaf.key"}
    paths["body"].write_text(leaf.cert_pem)
    paths["chain"].write_text(chain.cert_pem if chain else "")
    paths["key"].write_text(key or leaf.key_pem)
    return {k: str(v) for k, v in paths.items()}


@pytest.fixture(scope="module")
def chain():
    root = certs.make_ca("elbtls test root")
    inter = certs.make_ca("elbtls test intermediate", issuer=root)
    return inter, certs.make_leaf(inter, sans=("api.example.com",))


def test_imported_certificate_reads_files_at_apply_and_never_inlines_the_key(stack, tmp_path, chain):
    inter, leaf = chain
    files = _pem_files(tmp_path, leaf, inter)
    cert = ImportedCertificate(stack, "api", certificate_body_file=files["body"], certificate_chain_file=files["chain"],
                               private_key_file=files["key"])
    lb(stack, certificate=cert)
    out = synth(stack)
    imported = resources(out, "aws_acm_certificate")["api"]
    assert imported["certificate_body"].startswith('${file("${path.module}/')
    assert imported["private_key"].endswith('/leaf.key")}')
    assert "PRIVATE KEY" not in json.dumps(out) and "BEGIN CERTIFICATE" not in json.dumps(out)


def test_imported_certificate_with_the_wrong_key_fails_synth(stack, tmp_path, chain):
    inter, leaf = chain
    other = certs.key_pem(certs.private_key("rsa2048", slot="another"))
    files = _pem_files(tmp_path, leaf, inter, key=other)
    ImportedCertificate(stack, "api", certificate_body_file=files["body"], certificate_chain_file=files["chain"],
                        private_key_file=files["key"])
    message = synth_error(stack)
    assert "[s/api] key-mismatch" in message
    assert "PRIVATE KEY" not in message


def test_imported_certificate_with_an_incomplete_chain_fails_synth(stack, tmp_path, chain):
    _, leaf = chain
    files = _pem_files(tmp_path, leaf)
    ImportedCertificate(stack, "api", certificate_body_file=files["body"], private_key_file=files["key"])
    assert "[s/api] chain-incomplete" in synth_error(stack)


def test_a_missing_pem_file_is_a_finding_naming_it(stack, tmp_path):
    missing = str(tmp_path / "nowhere.crt")
    ImportedCertificate(stack, "api", certificate_body_file=missing, private_key_variable="api_key")
    message = synth_error(stack)
    assert "[s/api] input-unreadable" in message and missing in message


def test_private_key_from_a_sensitive_variable(stack, tmp_path, chain):
    inter, leaf = chain
    files = _pem_files(tmp_path, leaf, inter)
    ImportedCertificate(stack, "api", certificate_body_file=files["body"], certificate_chain_file=files["chain"],
                        private_key_variable="api_key")
    out = synth(stack)
    assert out["variable"]["api_key"]["sensitive"] is True
    assert resources(out, "aws_acm_certificate")["api"]["private_key"] == "${var.api_key}"


def test_iam_certificate_uses_a_name_prefix_and_replaces_before_destroying(stack, tmp_path, chain):
    inter, leaf = chain
    files = _pem_files(tmp_path, leaf, inter)
    IamServerCertificate(stack, "legacy", path="/elbtls/", certificate_body_file=files["body"],
                         certificate_chain_file=files["chain"], private_key_file=files["key"])
    iam = resources(synth(stack), "aws_iam_server_certificate")["legacy"]
    assert (iam["name_prefix"], iam["path"], iam["lifecycle"]) == ("legacy-", "/elbtls/", {"create_before_destroy": True})


def test_iam_path_is_checked_at_synth(stack, tmp_path, chain):
    inter, leaf = chain
    files = _pem_files(tmp_path, leaf, inter)
    IamServerCertificate(stack, "legacy", path="elbtls", certificate_body_file=files["body"],
                         certificate_chain_file=files["chain"], private_key_file=files["key"])
    assert "[s/legacy] iam-path-invalid" in synth_error(stack)


# --- TLS policies and back-end authentication --------------------------------------------------

def test_secure_listeners_get_the_recommended_policy_by_default(stack):
    lb(stack, certificate=requested(stack), listeners=[https(certificate=requested(stack, id="c2")),
                                                       https(port=8443, certificate=requested(stack, id="c3"))])
    out = synth(stack)
    (policy,) = resources(out, "aws_load_balancer_policy").values()
    assert policy["policy_attribute"] == [{"name": "Reference-Security-Policy", "value": tls_policies.RECOMMENDED}]
    attached = resources(out, "aws_load_balancer_listener_policy")
    assert sorted(a["load_balancer_port"] for a in attached.values()) == [443, 8443]


def test_plain_listeners_get_no_policy(stack):
    lb(stack, listeners=[{"lb_port": 80, "lb_protocol": "HTTP", "instance_port": 80, "instance_protocol": "HTTP"}])
    out = synth(stack)
    assert "aws_load_balancer_policy" not in out["resource"]


def test_custom_policy_enables_exactly_its_protocols_and_ciphers(stack):
    custom = {"name": "strict", "protocols": ["Protocol-TLSv1.2"], "ciphers": ["ECDHE-RSA-AES128-GCM-SHA256"]}
    lb(stack, listeners=[https(certificate=requested(stack), tls_policy=custom)])
    (policy,) = resources(synth(stack), "aws_load_balancer_policy").values()
    assert policy["policy_name"] == "strict"
    assert {a["name"] for a in policy["policy_attribute"]} == {
        "Protocol-TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", tls_policies.SERVER_ORDER_ATTRIBUTE}


@pytest.mark.parametrize("policy, slug", [
    ({"name": "old", "protocols": ["Protocol-TLSv1"], "ciphers": ["ECDHE-RSA-AES128-GCM-SHA256"]},
     "ssl-policy-weak-protocol"),
    ({"name": "ELBSecurityPolicy-mine", "ciphers": ["ECDHE-RSA-AES128-GCM-SHA256"]}, "ssl-policy-reserved-name"),
    ({"name": "ec-only", "ciphers": ["ECDHE-ECDSA-AES128-GCM-SHA256"]}, "ssl-policy-no-matching-cipher"),
    ("ELBSecurityPolicy-Made-Up", "ssl-policy-unknown"),
])
def test_bad_tls_policies_fail_synth(stack, policy, slug):
    lb(stack, listeners=[https(certificate=requested(stack), tls_policy=policy)])
    assert f"[s/lb] {slug}" in synth_error(stack)


@pytest.fixture(scope="module")
def backend_cert():
    return certs.make_leaf(certs.make_ca("backend CA"), sans=("backend.internal",))


def test_backend_authentication_trusts_the_certificates_public_key(stack, tmp_path, backend_cert):
    path = tmp_path / "backend.crt"
    path.write_text(backend_cert.cert_pem)
    listener = {**https(certificate=requested(stack)), "instance_port": 443, "instance_protocol": "HTTPS"}
    lb(stack, listeners=[listener], backend_authentication=[{"instance_port": 443, "certificates": [str(path)]}])
    out = synth(stack)
    policies = resources(out, "aws_load_balancer_policy")
    key = next(p for p in policies.values() if p["policy_type_name"] == "PublicKeyPolicyType")
    spki = backend_cert.cert.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key["policy_attribute"] == [{"name": "PublicKey", "value": base64.b64encode(spki).decode()}]
    auth = next(p for p in policies.values() if p["policy_type_name"] == "BackendServerAuthenticationPolicyType")
    assert auth["policy_attribute"][0]["name"] == "PublicKeyPolicyName"
    (attached,) = resources(out, "aws_load_balancer_backend_server_policy").values()
    assert attached["instance_port"] == 443


def test_backend_authentication_on_a_plain_back_end_fails_synth(stack, tmp_path, backend_cert):
    path = tmp_path / "backend.crt"
    path.write_text(backend_cert.cert_pem)
    lb(stack, certificate=requested(stack), backend_authentication=[{"instance_port": 80, "certificates": [str(path)]}])
    assert "[s/lb] backend-auth-plain-backend" in synth_error(stack)


def test_an_unreadable_backend_certificate_is_a_clear_error(stack, tmp_path):
    bad = tmp_path / "backend.crt"
    bad.write_text("not PEM at all")
    listener = {**https(certificate=ACM_ARN_USE1), "instance_port": 443, "instance_protocol": "HTTPS"}
    with pytest.raises(ValueError, match=f"{bad}: back-end certificate"):
        lb(stack, listeners=[listener], backend_authentication=[{"instance_port": 443, "certificates": [str(bad)]}])
    assert stack.node.try_find_child("lb") is None


# --- the stack -----------------------------------------------------------------------------------

def test_stack_pins_a_provider_range_the_local_mirror_satisfies(stack):
    lb(stack, certificate=requested(stack))
    out = synth(stack)
    assert out["terraform"]["required_providers"]["aws"] == {"source": "hashicorp/aws",
                                                            "version": AWS_PROVIDER_CONSTRAINT}
    assert out["provider"]["aws"] == [{"region": "eu-west-1"}]
    assert "region" not in json.dumps(out["resource"])  # no per-resource region (6.x only)
