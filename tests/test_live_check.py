"""`elbtls validate --live` (live.check) against a moto server on loopback: the certificates
a configuration references, looked up where its load balancer looks for them, and the
deployed listeners compared with the configuration."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from elbtls.validators import live
from elbtls.validators.findings import Where
from elbtls.validators.model import (CertificateResource, Context, HostBinding, LbPolicy, Listener, ListenerPolicy,
                                     LoadBalancer, PolicyAttribute, Project, Ref, Unresolved)
from tests.awsmock import MotoServer
from tests.certs import make_leaf
from tests.livekit import (ACCOUNT, attach_reference_policy, aws_env, by_rule, client, create_lb, fast_clients,
                           http, https, import_certificate, now, subnet, upload_server_certificate)



def listener(port=443, cert=None, protocol="HTTPS", instance_port=8443, instance_protocol="HTTPS", line=5):
    return Listener(lb_port=port, lb_protocol=protocol, instance_port=instance_port,
                    instance_protocol=instance_protocol, ssl_certificate_id=cert,
                    where=Where(file="main.tf", line=line))


def elb(*listeners, name="web", region="us-east-1", address="aws_elb.web"):
    return LoadBalancer(address=address, where=Where(file="main.tf", line=1, resource=address), region=region,
                        provider="aws", name=name, listeners=list(listeners))


def check(project, *, at=None, warn_days=None):
    return live.check(project, Context(at=at or now()), warn_days=warn_days, clients=fast_clients())


def test_certificate_in_another_region_is_not_found_where_the_lb_looks(aws, ca):
    west = import_certificate(aws, "us-west-2", make_leaf(ca, days=200), ca.cert_pem)
    nowhere = west.replace("us-west-2", "us-east-1")

    findings = check(Project(load_balancers=[elb(listener(443, west, line=7), listener(8443, nowhere, line=9))]))

    missing = {f.line: f for f in by_rule(findings, "live-certificate-not-found")}
    assert set(missing) == {7, 9}
    assert "does not exist in us-east-1: it is in us-west-2" in missing[7].message
    assert missing[7].file == "main.tf" and missing[7].resource == "aws_elb.web"
    assert "it is in" not in missing[9].message


def test_pending_validation_certificate_is_not_issued():
    with MotoServer(acm_validation_wait=3600) as moto, aws_env(moto.env()):
        arn = client("acm", "us-east-1", moto.url).request_certificate(
            DomainName="pending.example.com", ValidationMethod="DNS")["CertificateArn"]
        findings = check(Project(load_balancers=[elb(listener(443, arn))]))
    [status] = by_rule(findings, "live-certificate-not-issued")
    assert "PENDING_VALIDATION" in status.message and status.line == 5
    # A pending certificate has no validity period yet (moto invents one): nothing expires.
    assert not by_rule(findings, "live-certificate-expiring")


def test_iam_certificate_near_expiry_reads_the_body(aws, ca):
    """moto's IAM says every certificate expired in 2012; AWS reports the body's notAfter."""
    start = now() - dt.timedelta(days=1)
    arn = upload_server_certificate(aws, "site", make_leaf(ca, sans=("iam.example.com",), not_before=start, days=8),
                                    path="/web/")

    findings = check(Project(load_balancers=[elb(listener(443, arn))]), at=start + dt.timedelta(days=1, hours=1))

    [expiry] = by_rule(findings, "live-certificate-expiring")
    assert expiry.severity.value == "warning" and "in 6 days" in expiry.message
    assert by_rule(findings, "live-renewal-ineligible")
    # another path is another ARN: not found
    other = arn.replace("/web/", "/api/")
    assert by_rule(check(Project(load_balancers=[elb(listener(443, other))])), "live-certificate-not-found")


def test_warn_days_and_evaluation_time(aws, ca):
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, days=60), ca.cert_pem)
    project = Project(load_balancers=[elb(listener(443, arn))])

    assert not by_rule(check(project), "live-certificate-expiring")
    [soon] = by_rule(check(project, warn_days=90), "live-certificate-expiring")
    assert soon.severity.value == "warning"
    [gone] = by_rule(check(project, at=now() + dt.timedelta(days=100)), "live-certificate-expiring")
    assert gone.severity.value == "error"


def test_drift_between_configuration_and_deployed_listener(aws, ca):
    sn = subnet(aws, "us-east-1")
    deployed_cert = import_certificate(aws, "us-east-1", make_leaf(ca, days=200), ca.cert_pem)
    configured_cert = import_certificate(aws, "us-east-1", make_leaf(ca, days=200), ca.cert_pem)
    create_lb(aws, "us-east-1", "web", [https(443, deployed_cert), http(80)], sn)
    attach_reference_policy(aws, "us-east-1", "web", 443, "tls", "ELBSecurityPolicy-2016-08")
    lb = elb(listener(443, configured_cert, line=5), listener(8443, configured_cert, line=9))
    policy = LbPolicy(address="aws_load_balancer_policy.tls", where=Where(file="main.tf", line=20),
                      load_balancer=Ref(address="aws_elb.web", attribute="name"), policy_name="tls",
                      policy_type_name="SSLNegotiationPolicyType",
                      attributes=[PolicyAttribute(name="Reference-Security-Policy",
                                                  value="ELBSecurityPolicy-TLS-1-2-2017-01")])
    attach = ListenerPolicy(address="aws_load_balancer_listener_policy.tls", where=Where(file="main.tf", line=30),
                            load_balancer=Ref(address="aws_elb.web", attribute="name"), lb_port=443,
                            policy_names=[Ref(address="aws_load_balancer_policy.tls", attribute="policy_name")])

    findings = check(Project(load_balancers=[lb], lb_policies=[policy], listener_policies=[attach]))

    drift = {f.line: f.message for f in by_rule(findings, "live-listener-drift")}
    assert f"the certificate is {deployed_cert} deployed but {configured_cert}" in drift[5]
    assert "Reference-Security-Policy = ELBSecurityPolicy-2016-08 deployed but ELBSecurityPolicy-TLS-1-2-2017-01" \
        in drift[5]
    assert "lb_port 8443 is not deployed" in drift[9]
    assert "deployed listener on lb_port 80 that the configuration does not declare" in drift[1]
    assert len(drift) == 3


def test_no_drift_when_the_deployment_matches(aws, ca):
    sn = subnet(aws, "us-east-1")
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, days=200), ca.cert_pem)
    create_lb(aws, "us-east-1", "web", [https(443, arn), http(80)], sn)
    lb = elb(listener(443, arn), listener(80, None, "http", 8080, "http"))

    findings = check(Project(load_balancers=[lb]))

    assert not by_rule(findings, "live-listener-drift")
    assert not by_rule(findings, "live-check-incomplete")


def test_a_reference_is_checked_through_the_deployed_listener(aws, ca):
    """`ssl_certificate_id = aws_acm_certificate.web.arn` cannot be known before plan, but
    the deployed listener serves what it resolved to: check that certificate, and its body,
    against the host names the configuration serves through it."""
    sn = subnet(aws, "us-east-1")
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, sans=("www.example.com",), days=5), ca.cert_pem)
    create_lb(aws, "us-east-1", "web", [https(443, arn)], sn)
    cert = CertificateResource(address="aws_acm_certificate.web", where=Where(file="main.tf", line=40),
                               kind="acm-requested", domain_name="www.example.com", region="us-east-1")
    lb = elb(listener(443, Ref(address="aws_acm_certificate.web", attribute="arn"), line=6))
    hosts = [HostBinding(host="shop.example.com", target="aws_elb.web", where=Where(file="main.tf", line=50))]

    findings = check(Project(certificates=[cert], load_balancers=[lb], hosts=hosts))

    [expiry] = by_rule(findings, "live-certificate-expiring")
    assert expiry.line == 6 and "through aws_acm_certificate.web" in expiry.message
    [uncovered] = by_rule(findings, "domain-not-covered")
    assert uncovered.line == 6 and uncovered.file == "main.tf" and "shop.example.com" in uncovered.message
    assert arn in uncovered.message


def test_stacks_with_the_same_addresses_are_checked_apart(aws, ca):
    """Two root modules both declare aws_acm_certificate.web and aws_elb.web, deployed as
    web-a and web-b with their own certificates: each deployed body is judged against the
    host names of its own stack only."""
    sn = subnet(aws, "us-east-1")
    certs, lbs, hosts = [], [], []
    for stack in ("a", "b"):
        arn = import_certificate(aws, "us-east-1", make_leaf(ca, sans=(f"www.{stack}.example.com",)), ca.cert_pem)
        create_lb(aws, "us-east-1", f"web-{stack}", [https(443, arn)], sn)
        certs.append(CertificateResource(address="aws_acm_certificate.web", where=Where(file=f"{stack}/main.tf"),
                                         kind="acm-requested", region="us-east-1", stack=stack))
        lbs.append(elb(listener(443, Ref(address="aws_acm_certificate.web", attribute="arn")), name=f"web-{stack}")
                   .model_copy(update={"stack": stack}))
        hosts.append(HostBinding(host=f"www.{stack}.example.com", target="aws_elb.web", stack=stack,
                                 where=Where(file=f"{stack}/dns.tf", line=3)))
    findings = check(Project(certificates=certs, load_balancers=lbs, hosts=hosts))
    assert not by_rule(findings, "domain-not-covered"), findings


def test_deployed_body_rules_are_reported_at_the_listener(aws, ca):
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, sans=("www.example.com",), eku=("clientAuth",),
                                                         days=200), ca.cert_pem)
    findings = check(Project(load_balancers=[elb(listener(443, arn, line=12))]))
    [eku] = by_rule(findings, "missing-server-auth-eku")
    assert (eku.file, eku.line, eku.resource) == ("main.tf", 12, "aws_elb.web")


def test_one_finding_per_certificate_however_many_listeners_use_it(aws, ca):
    arn = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000"
    project = Project(load_balancers=[elb(listener(443, arn, line=5), listener(8443, arn, line=9)),
                                      elb(listener(443, arn, line=25), name="api", address="aws_elb.api")])
    [missing] = check(project)
    assert missing.rule == "live-certificate-not-found" and missing.line == 5
    assert "aws_elb.web lb_port 8443" in missing.message and "aws_elb.api lb_port 443" in missing.message


def test_values_not_known_before_plan(aws, ca):
    arn = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000"
    unknown_region = elb(listener(443, arn), region=Unresolved(expression="var.region", reason="no default"))
    unnamed = elb(listener(443, "x"), name=Unresolved(expression="var.name", reason="no default"),
                  address="aws_elb.other")

    findings = check(Project(load_balancers=[unknown_region, unnamed]))

    assert {f.rule for f in findings} == {"value-unresolved"}
    assert {f.resource for f in findings} == {"aws_elb.web", "aws_elb.other"}


TERRAFORM = """\
provider "aws" {{
  region = "us-east-1"
}}

resource "aws_elb" "web" {{
  name    = "web"
  subnets = ["subnet-1"]

  listener {{
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = "{iam}"
  }}

  listener {{
    lb_port            = 8443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = "{west}"
  }}
}}
"""


def test_cli_validate_live(aws, ca, tmp_path, elbtls_process):
    sn = subnet(aws, "us-east-1")
    start = now() - dt.timedelta(days=1)
    iam = upload_server_certificate(aws, "site", make_leaf(ca, not_before=start, days=11))
    west = import_certificate(aws, "us-west-2", make_leaf(ca, days=200), ca.cert_pem)
    create_lb(aws, "us-east-1", "web", [https(443, iam)], sn)
    (tmp_path / "main.tf").write_text(TERRAFORM.format(iam=iam, west=west))

    plain = elbtls_process("validate", str(tmp_path), "--format", "json")
    result = elbtls_process("validate", "--live", str(tmp_path), "--format", "json",
                            "--at", (start + dt.timedelta(days=1, hours=1)).isoformat())

    assert not any(f["rule"].startswith("live-") for f in json.loads(plain.out)["findings"])
    assert result.status == 1, result.err
    found = {(f["rule"], f["line"]): f for f in json.loads(result.out)["findings"]}
    # lines are those of the listener blocks
    assert "in 9 days" in found[("live-certificate-expiring", 9)]["message"]
    assert ("live-renewal-ineligible", 9) in found
    # the IAM certificate was uploaded without its issuer: the chain rules on the deployed body
    assert ("chain-incomplete", 9) in found
    assert "it is in us-west-2" in found[("live-certificate-not-found", 17)]["message"]
    assert "lb_port 8443 is not deployed" in found[("live-listener-drift", 17)]["message"]
    assert found[("live-certificate-not-found", 17)]["file"] == str(tmp_path / "main.tf")


def test_a_missing_load_balancer_does_not_hide_the_deployed_ones(aws, ca):
    """DescribeLoadBalancers fails a whole batch of names when one is missing: the names are
    then asked one by one, and a load balancer not deployed yet is simply not compared."""
    sn = subnet(aws, "us-east-1")
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, days=200), ca.cert_pem)
    create_lb(aws, "us-east-1", "web", [https(443, arn)], sn)
    project = Project(load_balancers=[elb(listener(8443, arn), name="new", address="aws_elb.new"),
                                      elb(listener(443, arn), listener(80, None, "HTTP", 8080, "HTTP", line=9))])
    clients = fast_clients()

    findings = live.check(project, Context(at=now()), clients=clients)

    [drift] = by_rule(findings, "live-listener-drift")
    assert drift.resource == "aws_elb.web" and drift.line == 9
    assert clients.calls["elb.DescribeLoadBalancers"] == 3
