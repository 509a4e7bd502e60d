"""TLS negotiation and back-end authentication rules (validators/rules/tls.py)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr

from elbtls.validators.findings import Severity, Where
from elbtls.validators.model import (BackendServerPolicy, CertificateResource, Context, LbPolicy, Listener,
                                     ListenerPolicy, LoadBalancer, Pem, PolicyAttribute, Project, Ref,
                                     SslNegotiationPolicy, Unresolved)
from elbtls.validators.rules import tls
from tests.certs import make_leaf

CTX = Context(at=datetime(2025, 6, 1, tzinfo=timezone.utc))
ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-4abc-9def-0123456789ab"
LB_REF = Ref(address="aws_elb.web", attribute="name")
TLS12 = "ELBSecurityPolicy-TLS-1-2-2017-01"
W = Where(file="tls.tf", line=7)


def listener(lb_port=443, lb_protocol="HTTPS", instance_port=8080, instance_protocol="HTTP", cert=ACM_ARN):
    return Listener(lb_port=lb_port, lb_protocol=lb_protocol, instance_port=instance_port,
                    instance_protocol=instance_protocol, ssl_certificate_id=cert, where=Where(file="elb.tf", line=5))


def lb(*listeners):
    return LoadBalancer(address="aws_elb.web", where=Where(file="elb.tf", line=1), name="web",
                        listeners=list(listeners) or [listener()])


def attrs(**pairs):
    return [PolicyAttribute(name=k.replace("_", "-"), value=v) for k, v in pairs.items()]


def ssl_policy(name="tls12", reference=TLS12, attributes=None, address="aws_load_balancer_policy.tls"):
    attributes = attributes if attributes is not None else [PolicyAttribute(name="Reference-Security-Policy",
                                                                            value=reference)]
    return LbPolicy(address=address, where=W, load_balancer=LB_REF, policy_name=name,
                    policy_type_name="SSLNegotiationPolicyType", attributes=attributes)


def attach(*names, lb_port=443):
    return ListenerPolicy(address="aws_load_balancer_listener_policy.tls", where=W, load_balancer=LB_REF,
                          lb_port=lb_port, policy_names=list(names))


def custom(*ciphers, **protocols):
    """Attributes of a custom policy: TLS 1.2 plus the given ciphers (and protocol overrides)."""
    enabled = {"Protocol-TLSv1.2": "true", **{k.replace("_", "."): v for k, v in protocols.items()}}
    return [PolicyAttribute(name=n, value=v) for n, v in enabled.items()] + \
        [PolicyAttribute(name=c, value="true") for c in ciphers]


def run(project: Project, slug: str | None = None):
    found = [f for check in tls.CHECKS for f in check(project, CTX)]
    return [f for f in found if slug is None or f.rule == slug]


def with_policy(policy, *, listeners=(), cert_resources=(), **extra):
    return Project(load_balancers=[lb(*listeners)], lb_policies=[policy], listener_policies=[attach(
        Ref(address=policy.address, attribute="policy_name"))], certificates=list(cert_resources), **extra)


def test_recommended_policy_is_clean():
    assert run(with_policy(ssl_policy())) == []


# --- ssl-policy-outdated --------------------------------------------------------------

def test_secure_listener_without_policy_gets_the_outdated_default():
    found = run(Project(load_balancers=[lb()]))
    assert [f.rule for f in found] == ["ssl-policy-outdated"]
    assert "ELBSecurityPolicy-2016-08" in found[0].message and found[0].severity is Severity.WARNING
    assert found[0].resource == "aws_elb.web" and found[0].line == 5


@pytest.mark.parametrize("reference", ["ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-2016-08",
                                       "ELBSecurityPolicy-2015-05", "ELBSample-OpenSSLDefaultCipherPolicy"])
def test_outdated_predefined_reference(reference):
    found = run(with_policy(ssl_policy(reference=reference)), "ssl-policy-outdated")
    assert len(found) == 1 and reference in found[0].message


def test_plain_listeners_need_no_policy():
    assert run(Project(load_balancers=[lb(listener(80, "HTTP", 8080, "HTTP", None),
                                          listener(25, "TCP", 25, "TCP", None))])) == []


def test_policy_attached_by_literal_name_on_the_same_load_balancer():
    project = Project(load_balancers=[lb()], lb_policies=[ssl_policy()], listener_policies=[attach("tls12")])
    assert run(project) == []


def test_policy_on_another_port_leaves_the_listener_on_the_default():
    project = Project(load_balancers=[lb(listener(), listener(8443))], lb_policies=[ssl_policy()],
                      listener_policies=[attach("tls12", lb_port=8443)])
    found = run(project, "ssl-policy-outdated")
    assert len(found) == 1 and "lb_port 443" in found[0].message


def test_older_ssl_negotiation_resource_counts_as_attached():
    snp = SslNegotiationPolicy(address="aws_lb_ssl_negotiation_policy.tls", where=W, name="tls12-custom",
                               load_balancer=Ref(address="aws_elb.web", attribute="id"), lb_port=443,
                               attributes=custom("ECDHE-RSA-AES128-GCM-SHA256"))
    assert run(Project(load_balancers=[lb()], ssl_negotiation_policies=[snp])) == []


def test_unresolved_policy_names_are_reported_not_guessed():
    lp = attach().model_copy(update={"policy_names": Unresolved(expression="local.names", reason="computed")})
    found = run(Project(load_balancers=[lb()], listener_policies=[lp]))
    assert [f.rule for f in found] == ["value-unresolved"]


@pytest.mark.parametrize("field", ["lb_port", "load_balancer"])
def test_policy_with_unresolved_target_is_not_taken_for_no_policy(field):
    lp = attach("tls12").model_copy(update={field: Unresolved(expression="var.port", reason="no default")})
    found = run(Project(load_balancers=[lb()], lb_policies=[ssl_policy()], listener_policies=[lp]))
    assert [f.rule for f in found] == ["value-unresolved"] and "policy-listener-missing" in found[0].message


def test_unresolved_reference_is_reported_once_and_not_guessed():
    found = run(with_policy(ssl_policy(reference=Unresolved(expression="var.policy", reason="no default"))))
    assert [f.rule for f in found] == ["value-unresolved"] and found[0].resource == "aws_load_balancer_policy.tls"


def test_policy_not_in_the_configuration_is_reported_not_guessed():
    found = run(Project(load_balancers=[lb()], listener_policies=[attach("made-in-console")]))
    assert [f.rule for f in found] == ["value-unresolved"] and "made-in-console" in found[0].message


def test_stickiness_policy_alone_leaves_the_default():
    sticky = Ref(address="aws_lb_cookie_stickiness_policy.s", attribute="name")
    found = run(Project(load_balancers=[lb()], listener_policies=[attach(sticky)]))
    assert [f.rule for f in found] == ["ssl-policy-outdated"]


# --- policy definitions ---------------------------------------------------------------

def test_ssl_policy_unknown():
    found = run(with_policy(ssl_policy(reference="ELBSecurityPolicy-2019-99")), "ssl-policy-unknown")
    assert len(found) == 1 and found[0].resource == "aws_load_balancer_policy.tls"


def test_ssl_policy_unknown_is_case_sensitive():
    assert len(run(with_policy(ssl_policy(reference=TLS12.lower())), "ssl-policy-unknown")) == 1


@pytest.mark.parametrize("protocol", ["Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1"])
def test_ssl_policy_weak_protocol(protocol):
    attributes = custom("ECDHE-RSA-AES128-GCM-SHA256") + [PolicyAttribute(name=protocol, value="TRUE")]
    found = run(with_policy(ssl_policy(attributes=attributes)), "ssl-policy-weak-protocol")
    assert len(found) == 1 and protocol in found[0].message


def test_weak_protocols_set_false_are_fine():
    attributes = custom("ECDHE-RSA-AES128-GCM-SHA256", Protocol_TLSv1="false", Protocol_TLSv1_1="false")
    assert run(with_policy(ssl_policy(attributes=attributes))) == []


@pytest.mark.parametrize("name", ["ELBSecurityPolicy-Mine", "ELBSample-test"])
def test_ssl_policy_reserved_name(name):
    assert len(run(with_policy(ssl_policy(name=name)), "ssl-policy-reserved-name")) == 1


def test_reserved_words_later_in_the_name_are_fine():
    assert run(with_policy(ssl_policy(name="my-ELBSecurityPolicy-copy")), "ssl-policy-reserved-name") == []


# --- ssl-policy-no-matching-cipher ----------------------------------------------------

def iam_cert(key):
    leaf = make_leaf(None, key=key)
    return CertificateResource(address="aws_iam_server_certificate.web", where=Where(file="iam.tf", line=1),
                               kind="iam", body=Pem(text=SecretStr(leaf.cert_pem), origin=Where(file="iam.tf")),
                               private_key=Pem(text=SecretStr(leaf.key_pem), origin=Where(file="iam.tf")))


def requested(key_algorithm=None):
    return CertificateResource(address="aws_acm_certificate.web", where=Where(file="acm.tf", line=1),
                               kind="acm-requested", domain_name="www.example.com", key_algorithm=key_algorithm)


def served(cert_resource, policy):
    ref = Ref(address=cert_resource.address, attribute="arn")
    return with_policy(policy, listeners=[listener(cert=ref)], cert_resources=[cert_resource])


def test_ec_certificate_with_rsa_only_custom_policy():
    policy = ssl_policy(attributes=custom("ECDHE-RSA-AES128-GCM-SHA256", "AES128-GCM-SHA256"))
    found = run(served(iam_cert("ec256"), policy))
    assert [f.rule for f in found] == ["ssl-policy-no-matching-cipher"]
    assert "EC key" in found[0].message and "ECDHE-ECDSA" in found[0].message
    assert "PRIVATE KEY" not in found[0].message


def test_ec_certificate_with_recommended_policy():
    assert run(served(iam_cert("ec256"), ssl_policy())) == []


def test_rsa_certificate_with_ecdsa_only_custom_policy():
    policy = ssl_policy(attributes=custom("ECDHE-ECDSA-AES128-GCM-SHA256"))
    assert len(run(served(iam_cert("rsa2048"), policy), "ssl-policy-no-matching-cipher")) == 1


@pytest.mark.parametrize("key_algorithm,cipher,fires", [
    (None, "ECDHE-ECDSA-AES128-GCM-SHA256", True),          # default RSA_2048
    (None, "ECDHE-RSA-AES128-GCM-SHA256", False),
    ("EC_prime256v1", "ECDHE-RSA-AES128-GCM-SHA256", True),
    ("EC_prime256v1", "ECDHE-ECDSA-AES128-GCM-SHA256", False),
    ("RSA_2048", "DHE-DSS-AES128-SHA", True)])
def test_requested_certificate_key_algorithm(key_algorithm, cipher, fires):
    found = run(served(requested(key_algorithm), ssl_policy(attributes=custom(cipher))), "ssl-policy-no-matching-cipher")
    assert len(found) == int(fires)


def test_ec_certificate_without_policy_uses_the_default_ciphers():
    # the default 2016-08 enables ECDSA suites: outdated, but not cipher-less
    ref = Ref(address="aws_iam_server_certificate.web", attribute="arn")
    project = Project(load_balancers=[lb(listener(cert=ref))], certificates=[iam_cert("ec256")])
    assert [f.rule for f in run(project)] == ["ssl-policy-outdated"]


def test_certificate_key_type_names():
    assert tls.certificate_key_type(iam_cert("ec384")) == "EC"
    assert tls.certificate_key_type(iam_cert("rsa2048")) == "RSA"
    assert tls.certificate_key_type(requested()) == "RSA"
    broken = iam_cert("ec256").model_copy(update={"body": Pem(text=SecretStr("junk"), origin=W)})
    assert tls.certificate_key_type(broken) is None


# --- policy-listener-missing ----------------------------------------------------------

def test_listener_policy_on_a_port_without_listener():
    project = Project(load_balancers=[lb()], lb_policies=[ssl_policy()],
                      listener_policies=[attach(Ref(address="aws_load_balancer_policy.tls", attribute="policy_name"),
                                                lb_port=8443)])
    found = run(project, "policy-listener-missing")
    assert len(found) == 1 and "8443" in found[0].message and "443" in found[0].message


def test_ssl_negotiation_policy_on_a_port_without_listener():
    snp = SslNegotiationPolicy(address="aws_lb_ssl_negotiation_policy.tls", where=W, name="x", load_balancer="web",
                               lb_port=444, attributes=custom("AES128-GCM-SHA256"))
    assert len(run(Project(load_balancers=[lb()], ssl_negotiation_policies=[snp]), "policy-listener-missing")) == 1


def test_policy_on_an_existing_listener():
    assert run(with_policy(ssl_policy()), "policy-listener-missing") == []


def test_policy_for_a_load_balancer_outside_the_configuration_is_not_judged():
    lp = attach("x", lb_port=8443).model_copy(update={"load_balancer": "elsewhere"})
    assert run(Project(load_balancers=[lb()], listener_policies=[lp]), "policy-listener-missing") == []


# --- back-end authentication ----------------------------------------------------------

def ec_public_key_b64():
    key = make_leaf(None, key="ec256").cert.public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def backend_project(instance_protocol, policy_type="BackendServerAuthenticationPolicyType"):
    auth = LbPolicy(address="aws_load_balancer_policy.auth", where=W, load_balancer=LB_REF, policy_name="auth",
                    policy_type_name=policy_type, attributes=[])
    backend = BackendServerPolicy(address="aws_load_balancer_backend_server_policy.b", where=W, load_balancer=LB_REF,
                                  instance_port=8443, policy_names=[Ref(address=auth.address, attribute="policy_name")])
    return Project(load_balancers=[lb(listener(instance_port=8443, instance_protocol=instance_protocol))],
                   lb_policies=[auth, ssl_policy()], backend_policies=[backend],
                   listener_policies=[attach(Ref(address="aws_load_balancer_policy.tls", attribute="policy_name"))])


def test_backend_auth_on_plain_backend():
    found = run(backend_project("HTTP"))
    assert [f.rule for f in found] == ["backend-auth-plain-backend"] and "8443" in found[0].message


def test_backend_auth_on_secure_backend():
    assert run(backend_project("HTTPS")) == []


def test_other_backend_policy_types_are_not_authentication():
    assert run(backend_project("HTTP", policy_type="ProxyProtocolPolicyType")) == []


@pytest.mark.parametrize("value,why", [
    ("not base64!!", "base64"), ("aGVsbG8gd29ybGQ=", "DER"),
    ("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", "armour")])
def test_backend_public_key_invalid(value, why):
    pk = LbPolicy(address="aws_load_balancer_policy.pk", where=W, load_balancer=LB_REF, policy_name="pk",
                  policy_type_name="PublicKeyPolicyType", attributes=[PolicyAttribute(name="PublicKey", value=value)])
    found = run(Project(lb_policies=[pk]), "backend-public-key-invalid")
    assert len(found) == 1 and why in found[0].message


def test_backend_public_key_missing():
    pk = LbPolicy(address="aws_load_balancer_policy.pk", where=W, policy_name="pk",
                  policy_type_name="PublicKeyPolicyType", attributes=[])
    assert len(run(Project(lb_policies=[pk]), "backend-public-key-invalid")) == 1


def test_backend_public_key_valid_even_with_line_breaks():
    value = ec_public_key_b64()
    value = value[:40] + "\n" + value[40:]
    pk = LbPolicy(address="aws_load_balancer_policy.pk", where=W, policy_name="pk",
                  policy_type_name="PublicKeyPolicyType", attributes=[PolicyAttribute(name="PublicKey", value=value)])
    assert run(Project(lb_policies=[pk])) == []


# --- many root modules with the same addresses ------------------------------------------

def _stack(name: str, *, with_policy: bool = True) -> dict:
    """One root module's resources (aws_elb.web, its policy and attachment) in stack `name`."""
    def put(resource):
        return resource.model_copy(update={"stack": name})
    parts = {"load_balancers": [put(lb(listener().model_copy(update={"where": Where(file=f"{name}/elb.tf", line=5)})))]}
    if with_policy:
        parts["lb_policies"] = [put(ssl_policy())]
        parts["listener_policies"] = [put(attach(Ref(address="aws_load_balancer_policy.tls", attribute="policy_name")))]
    return parts


def _stacks(*stacks: dict) -> Project:
    merged: dict[str, list] = {}
    for parts in stacks:
        for field, items in parts.items():
            merged.setdefault(field, []).extend(items)
    return Project(**merged)


def test_each_stack_keeps_its_own_policies():
    """Each of three roots attaches the recommended policy to its own aws_elb.web: no
    listener is taken for policy-less because another root's aws_elb.web came first."""
    assert run(_stacks(_stack("a"), _stack("b"), _stack("c"))) == []


def test_a_stack_without_a_policy_is_reported_alone():
    project = _stacks(_stack("a"), _stack("b", with_policy=False), _stack("c"))
    (found,) = run(project)
    assert (found.rule, found.file, found.resource) == ("ssl-policy-outdated", "b/elb.tf", "aws_elb.web")


def test_a_policy_with_an_unknown_target_only_hides_its_own_stack():
    unknown = ListenerPolicy(address="aws_load_balancer_listener_policy.x", where=W, stack="a",
                             load_balancer=Unresolved(expression="var.lb", reason="no default"), lb_port=443,
                             policy_names=[])
    project = _stacks(_stack("a", with_policy=False), _stack("b", with_policy=False),
                      {"listener_policies": [unknown]})
    outdated = [f.file for f in run(project) if f.rule == "ssl-policy-outdated"]
    assert outdated == ["b/elb.tf"]
