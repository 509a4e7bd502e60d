"""Load balancer and listener rules (validators/rules/elb.py) and the links they use."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from elbtls.validators.findings import Severity, Where
from elbtls.validators.model import (CertificateResource, CertificateValidation, Context, Listener, LoadBalancer,
                                     Project, Ref, Unresolved)
from elbtls.validators.rules import elb, links

CTX = Context(at=datetime(2025, 6, 1, tzinfo=timezone.utc))
ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-4abc-9def-0123456789ab"
IAM_ARN = "arn:aws:iam::123456789012:server-certificate/web-2025"
UNKNOWN = Unresolved(expression="var.x", reason="variable without default")


def listener(lb_port=443, lb_protocol="HTTPS", instance_port=8080, instance_protocol="HTTP", cert=ACM_ARN, line=5):
    return Listener(lb_port=lb_port, lb_protocol=lb_protocol, instance_port=instance_port,
                    instance_protocol=instance_protocol, ssl_certificate_id=cert, where=Where(file="main.tf", line=line))


def lb(*listeners, name="web", address="aws_elb.web", **kw):
    return LoadBalancer(address=address, where=Where(file="main.tf", line=1, resource=address), name=name,
                        listeners=list(listeners) or [listener()], region="us-east-1", provider="aws", **kw)


def acm(address="aws_acm_certificate.web", region="us-east-1", provider="aws", kind="acm-requested", **kw):
    return CertificateResource(address=address, where=Where(file="cert.tf", line=1), kind=kind, region=region,
                               provider=provider, domain_name="www.example.com", **kw)


def run(project: Project, slug: str | None = None):
    found = [f for check in elb.CHECKS for f in check(project, CTX)]
    return [f for f in found if slug is None or f.rule == slug]


def test_clean_https_load_balancer_has_no_findings():
    assert run(Project(load_balancers=[lb(listener(), listener(80, "HTTP", 8080, "HTTP", None))])) == []


# --- lb-name-invalid ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a" * 33, "-web", "web-", "web_1", "web.prod", "wéb"])
def test_lb_name_invalid(name):
    found = run(Project(load_balancers=[lb(name=name)]), "lb-name-invalid")
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    assert found[0].resource == "aws_elb.web" and found[0].file == "main.tf"


@pytest.mark.parametrize("name", ["a" * 32, "web-1", "W3b", "a"])
def test_lb_name_valid(name):
    assert run(Project(load_balancers=[lb(name=name)]), "lb-name-invalid") == []


@pytest.mark.parametrize("prefix", ["webapp1", "-web", "we_b"])
def test_lb_name_prefix_invalid(prefix):
    found = run(Project(load_balancers=[lb(name=None, name_prefix=prefix)]), "lb-name-invalid")
    assert len(found) == 1 and "name_prefix" in found[0].message


@pytest.mark.parametrize("prefix", ["web-", "webapp", "a"])
def test_lb_name_prefix_valid(prefix):
    assert run(Project(load_balancers=[lb(name=None, name_prefix=prefix)]), "lb-name-invalid") == []


def test_unresolved_name_is_reported_as_unchecked():
    found = run(Project(load_balancers=[lb(name=UNKNOWN)]))
    assert [f.rule for f in found] == ["value-unresolved"] and "var.x" in found[0].message
    assert found[0].severity is Severity.INFO


# --- ports and protocols --------------------------------------------------------------

@pytest.mark.parametrize("ports", [(0, 8080), (443, 65536), (-1, 80)])
def test_listener_port_invalid(ports):
    found = run(Project(load_balancers=[lb(listener(*ports[:1], instance_port=ports[1]))]), "listener-port-invalid")
    assert len(found) == 1 and found[0].line == 5


def test_listener_port_bounds_are_valid():
    project = Project(load_balancers=[lb(listener(1, instance_port=65535), listener(65535, instance_port=1))])
    assert run(project, "listener-port-invalid") == []


def test_unresolved_port_is_reported_once():
    found = run(Project(load_balancers=[lb(listener(UNKNOWN))]))
    assert [f.rule for f in found] == ["value-unresolved"]


@pytest.mark.parametrize("protocols", [("TLS", "HTTP"), ("HTTPS", "udp")])
def test_listener_protocol_invalid(protocols):
    found = run(Project(load_balancers=[lb(listener(lb_protocol=protocols[0], instance_protocol=protocols[1]))]))
    assert [f.rule for f in found] == ["listener-protocol-invalid"]


def test_listener_protocols_any_case_are_valid():
    project = Project(load_balancers=[lb(listener(lb_protocol="https", instance_protocol="Http"),
                                         listener(465, "ssl", 8465, "tcp"))])
    assert run(project) == []


@pytest.mark.parametrize("front,back", [("HTTPS", "TCP"), ("SSL", "HTTP"), ("HTTP", "SSL"), ("TCP", "HTTPS")])
def test_listener_protocol_mismatch(front, back):
    cert = ACM_ARN if elb.is_secure(front) else None
    found = run(Project(load_balancers=[lb(listener(lb_protocol=front, instance_protocol=back, cert=cert))]),
                "listener-protocol-mismatch")
    assert len(found) == 1 and front in found[0].message


@pytest.mark.parametrize("front,back", [("HTTPS", "HTTP"), ("HTTPS", "HTTPS"), ("SSL", "TCP"), ("HTTP", "HTTP")])
def test_listener_protocol_pairs_that_match(front, back):
    assert run(Project(load_balancers=[lb(listener(lb_protocol=front, instance_protocol=back))]),
               "listener-protocol-mismatch") == []


# --- certificates on listeners --------------------------------------------------------

@pytest.mark.parametrize("front,back,cert", [("HTTPS", "HTTP", None), ("SSL", "TCP", ""), ("https", "http", None)])
def test_listener_missing_certificate(front, back, cert):
    found = run(Project(load_balancers=[lb(listener(lb_protocol=front, instance_protocol=back, cert=cert))]))
    assert [f.rule for f in found] == ["listener-missing-certificate"]


def test_certificate_on_plain_listener():
    found = run(Project(load_balancers=[lb(listener(80, "HTTP", 8080, "HTTP", ACM_ARN))]))
    assert [f.rule for f in found] == ["certificate-on-plain-listener"]


def test_certificate_with_secure_back_end_is_not_plain():
    # HTTP front end, HTTPS back end: the certificate is not on a plain listener
    found = run(Project(load_balancers=[lb(listener(80, "HTTP", 8443, "HTTPS", ACM_ARN))]))
    assert "certificate-on-plain-listener" not in [f.rule for f in found]


def test_duplicate_listener_port():
    project = Project(load_balancers=[lb(listener(443), listener(443, instance_port=9090, line=9))])
    found = run(project, "duplicate-listener-port")
    assert len(found) == 1 and found[0].line == 9


def test_distinct_listener_ports():
    assert run(Project(load_balancers=[lb(listener(443), listener(8443))]), "duplicate-listener-port") == []


def test_duplicate_ports_on_different_load_balancers_are_fine():
    project = Project(load_balancers=[lb(listener(443)), lb(listener(443), name="api", address="aws_elb.api")])
    assert run(project, "duplicate-listener-port") == []


def test_instance_port_security_conflict():
    project = Project(load_balancers=[lb(listener(443, "HTTPS", 8443, "HTTPS"),
                                         listener(80, "HTTP", 8443, "HTTP", None, line=9))])
    found = run(project, "instance-port-security-conflict")
    assert len(found) == 1 and "8443" in found[0].message and found[0].line == 9


def test_instance_port_shared_with_same_security():
    project = Project(load_balancers=[lb(listener(443, "HTTPS", 8080, "HTTP"),
                                         listener(80, "HTTP", 8080, "HTTP", None))])
    assert run(project, "instance-port-security-conflict") == []


# --- certificate-arn-invalid ----------------------------------------------------------

@pytest.mark.parametrize("cert", ["web-cert", "arn:aws:acm:us-east-1:12345:certificate/x",
                                  "arn:aws:s3:::bucket", "arn:aws:iam::123456789012:role/web",
                                  ACM_ARN + " "])
def test_certificate_arn_invalid(cert):
    found = run(Project(load_balancers=[lb(listener(cert=cert))]), "certificate-arn-invalid")
    assert len(found) == 1


@pytest.mark.parametrize("cert", [ACM_ARN, IAM_ARN, "arn:aws:iam::123456789012:server-certificate/cloudfront/x/web",
                                  "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc-1",
                                  Ref(address="aws_acm_certificate.web", attribute="arn"),
                                  Ref(address="aws_acm_certificate.web", attribute="id"),
                                  Ref(address="module.tls.aws_iam_server_certificate.web", attribute="arn"),
                                  Ref(address="aws_acm_certificate_validation.web", attribute="certificate_arn"),
                                  Ref(address="data.aws_acm_certificate.issued", attribute="arn")])
def test_certificate_arn_valid(cert):
    assert run(Project(load_balancers=[lb(listener(cert=cert))]), "certificate-arn-invalid") == []


@pytest.mark.parametrize("ref", [Ref(address="aws_iam_server_certificate.web", attribute="id"),
                                 Ref(address="aws_iam_server_certificate.web", attribute="name"),
                                 Ref(address="aws_acm_certificate.web", attribute="domain_name"),
                                 Ref(address="aws_acm_certificate_validation.web", attribute="id")])
def test_reference_to_a_non_arn_attribute(ref):
    found = run(Project(load_balancers=[lb(listener(cert=ref))]), "certificate-arn-invalid")
    assert len(found) == 1 and f"{ref.address}.{ref.attribute}" in found[0].message


# --- certificate-region-mismatch ------------------------------------------------------

def test_region_mismatch_from_literal_arn():
    arn = ACM_ARN.replace("us-east-1", "eu-west-1")
    found = run(Project(load_balancers=[lb(listener(cert=arn))]), "certificate-region-mismatch")
    assert len(found) == 1 and "eu-west-1" in found[0].message and "us-east-1" in found[0].message


def test_region_match_from_literal_arn():
    assert run(Project(load_balancers=[lb(listener())]), "certificate-region-mismatch") == []


def test_region_mismatch_from_referenced_certificate():
    project = Project(certificates=[acm(region="us-west-2", provider="aws.west")],
                      load_balancers=[lb(listener(cert=Ref(address="aws_acm_certificate.web", attribute="arn")))])
    assert len(run(project, "certificate-region-mismatch")) == 1


def test_region_mismatch_through_validation_resource():
    project = Project(certificates=[acm(region="us-west-2", provider="aws.west")],
                      validations=[CertificateValidation(address="aws_acm_certificate_validation.web",
                                                         where=Where(file="cert.tf", line=9),
                                                         certificate_arn=Ref(address="aws_acm_certificate.web",
                                                                             attribute="arn"))],
                      load_balancers=[lb(listener(cert=Ref(address="aws_acm_certificate_validation.web",
                                                           attribute="certificate_arn")))])
    assert len(run(project, "certificate-region-mismatch")) == 1


def test_iam_certificates_are_global():
    project = Project(certificates=[acm(address="aws_iam_server_certificate.web", kind="iam", region="eu-west-1")],
                      load_balancers=[lb(listener(cert=Ref(address="aws_iam_server_certificate.web", attribute="arn")))])
    assert run(project) == []


def test_unknown_regions_on_one_provider_are_the_same_region():
    project = Project(certificates=[acm(region=UNKNOWN, provider="aws")],
                      load_balancers=[lb(listener(cert=Ref(address="aws_acm_certificate.web", attribute="arn")),
                                         ).model_copy(update={"region": UNKNOWN})])
    assert run(project) == []


def test_unknown_region_on_different_providers_is_reported_unchecked():
    project = Project(certificates=[acm(region=UNKNOWN, provider="aws.other")],
                      load_balancers=[lb(listener(cert=Ref(address="aws_acm_certificate.web", attribute="arn")))])
    found = run(project)
    assert [f.rule for f in found] == ["value-unresolved"] and "certificate-region-mismatch" in found[0].message


def test_literal_arn_with_unknown_load_balancer_region_is_reported_unchecked():
    project = Project(load_balancers=[lb(listener()).model_copy(update={"region": None})])
    assert [f.rule for f in run(project)] == ["value-unresolved"]


# --- links ----------------------------------------------------------------------------

def test_links_match_addresses_exactly():
    cert = acm(address="module.a.aws_acm_certificate.web")
    project = Project(certificates=[cert])
    assert links.certificate(project, Ref(address="module.a.aws_acm_certificate.web", attribute="arn")) is cert
    assert links.certificate(project, Ref(address="aws_acm_certificate.web", attribute="arn")) is None
    assert links.certificate(project, Ref(address="module.b.aws_acm_certificate.web", attribute="arn")) is None
    assert links.certificate(project, "arn:aws:acm:...") is None


def test_links_load_balancer_by_ref_or_literal_name():
    web = lb()
    project = Project(load_balancers=[web])
    assert links.load_balancer(project, Ref(address="aws_elb.web", attribute="name")) is web
    assert links.load_balancer(project, Ref(address="aws_elb.web", attribute="id")) is web
    assert links.load_balancer(project, Ref(address="aws_elb.web", attribute="arn")) is None
    assert links.load_balancer(project, "web") is web
    assert links.load_balancer(project, "api") is None


def test_links_certificate_users():
    ref = Ref(address="aws_acm_certificate.web", attribute="arn")
    web, api = lb(listener(cert=ref)), lb(listener(cert=ref), name="api", address="aws_elb.api")
    users = links.certificate_users(Project(certificates=[acm()], load_balancers=[web, api]))
    assert [lb_.address for lb_, _ in users[("", "aws_acm_certificate.web")]] == ["aws_elb.web", "aws_elb.api"]


def _in(stack, *resources):
    return [r.model_copy(update={"stack": stack}) for r in resources]


def test_links_resolve_references_in_their_own_stack():
    """Two root modules both declare aws_acm_certificate.web and aws_elb.web: each
    listener's reference reaches its own stack's certificate, never the other's."""
    ref = Ref(address="aws_acm_certificate.web", attribute="arn")
    cert_a, cert_b = _in("a", acm()) + _in("b", acm())
    lb_a, lb_b = _in("a", lb(listener(cert=ref))) + _in("b", lb(listener(cert=ref)))
    project = Project(certificates=[cert_a, cert_b], load_balancers=[lb_a, lb_b])
    assert links.certificate(project, ref, "a") is cert_a and links.certificate(project, ref, "b") is cert_b
    assert links.certificate(project, ref, "c") is None
    assert links.load_balancer(project, Ref(address="aws_elb.web", attribute="name"), "b") is lb_b
    users = links.of(project)
    assert [lb_ for lb_, _ in users.users(cert_a)] == [lb_a] and [lb_ for lb_, _ in users.users(cert_b)] == [lb_b]


def test_links_through_a_validation_stay_in_the_stack_and_survive_a_cycle():
    to_cert = Ref(address="aws_acm_certificate_validation.web", attribute="certificate_arn")
    validation = CertificateValidation(address="aws_acm_certificate_validation.web", where=Where(), stack="a",
                                       certificate_arn=Ref(address="aws_acm_certificate.web", attribute="arn"))
    (cert_a,) = _in("a", acm())
    project = Project(certificates=[cert_a], validations=[validation])
    assert links.certificate(project, to_cert, "a") is cert_a
    assert links.certificate(project, to_cert, "b") is None
    loop = [CertificateValidation(address=f"aws_acm_certificate_validation.{x}", where=Where(),
                                  certificate_arn=Ref(address=f"aws_acm_certificate_validation.{y}",
                                                      attribute="certificate_arn"))
            for x, y in (("x", "y"), ("y", "x"))]
    cycle = Ref(address="aws_acm_certificate_validation.x", attribute="certificate_arn")
    assert links.certificate(Project(validations=loop), cycle) is None


def test_a_literal_name_prefers_its_own_stack_then_a_unique_match():
    web_a, web_b = _in("a", lb()) + _in("b", lb())
    (api_c,) = _in("c", lb(name="api", address="aws_elb.api"))
    project = Project(load_balancers=[web_a, web_b, api_c])
    assert links.load_balancer(project, "web", "b") is web_b
    assert links.load_balancer(project, "web", "d") is None        # two stacks have it: ambiguous
    assert links.load_balancer(project, "api", "a") is api_c       # only one in the run


def test_links_are_built_once_per_project_and_follow_its_growth():
    project = Project(load_balancers=[lb()])
    first = links.of(project)
    assert links.of(project) is first                              # one index for every rule
    assert project == Project(load_balancers=[lb()])               # the index is not part of the value
    project.load_balancers.append(lb(name="api", address="aws_elb.api"))
    assert links.of(project) is not first
    assert links.load_balancer(project, Ref(address="aws_elb.api", attribute="name")).name == "api"


@pytest.mark.parametrize("address,kind", [("aws_elb.web", "aws_elb"), ("module.a.module.b.aws_elb.web", "aws_elb"),
                                          ("data.aws_acm_certificate.x", "data.aws_acm_certificate"),
                                          ("module.m.data.aws_acm_certificate.x", "data.aws_acm_certificate")])
def test_resource_type(address, kind):
    assert links.resource_type(address) == kind
