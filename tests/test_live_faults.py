"""AWS faults end in one `live-check-incomplete` finding naming what was not checked: never
a silent pass, never a traceback. The fault-injecting proxy (tests/faultproxy.py) sits in
front of the moto server and AWS_ENDPOINT_URL points at it."""

from __future__ import annotations

import json

import pytest

from elbtls.validators import live
from elbtls.validators.findings import Where
from elbtls.validators.model import Context, Listener, LoadBalancer, Project
from tests.certs import make_leaf
from tests.faultproxy import KINDS, FaultProxy
from tests.livekit import (aws_env, by_rule, create_lb, fast_clients, http, https, import_certificate, now, subnet,
                           upload_server_certificate)

RETRIED = {"throttle", "5xx", "timeout", "drop"}   # AccessDenied is final at once


@pytest.fixture(scope="module")
def proxy(moto):
    with FaultProxy(moto.url, hang_seconds=3) as p:
        yield p


@pytest.fixture
def aws(moto, proxy):
    """Seeding talks to moto directly; the code under test goes through the proxy."""
    moto.reset()
    proxy.clear()
    with aws_env(proxy.env(moto.env())):
        yield moto.url


def clients():
    return fast_clients(max_attempts=2, read_timeout=1.0, connect_timeout=1.0)


def audit(regions):
    return live.audit(regions, False, None, Context(at=now()), clients=clients())


def two_regions(aws, ca):
    east, west = subnet(aws, "us-east-1"), subnet(aws, "eu-west-1")
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, days=10), ca.cert_pem)
    create_lb(aws, "us-east-1", "web", [https(443, arn), http()], east)
    create_lb(aws, "eu-west-1", "api", [https(443, upload_server_certificate(aws, "api", make_leaf(ca, days=200)))],
              west)
    return arn


@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_region_is_reported_once_and_the_others_are_audited(aws, proxy, ca, kind):
    two_regions(aws, ca)
    proxy.fault("DescribeLoadBalancers", kind, region="eu-west-1")

    findings = audit(["us-east-1", "eu-west-1"])

    [incomplete] = by_rule(findings, "live-check-incomplete")
    assert incomplete.resource == "elb:eu-west-1" and "Region eu-west-1" in incomplete.message
    assert "DescribeLoadBalancers" in incomplete.message
    assert not any(f.resource and "eu-west-1" in f.resource for f in findings if f is not incomplete)
    assert by_rule(findings, "live-certificate-expiring")          # us-east-1 was audited
    attempts = proxy.requests_by_region[("DescribeLoadBalancers", "eu-west-1")]
    assert attempts == (2 if kind in RETRIED else 1)


def test_a_transient_throttle_is_retried_and_passes(aws, proxy, ca):
    two_regions(aws, ca)
    proxy.fault("DescribeLoadBalancers", "throttle", times=1)
    findings = audit(["us-east-1"])
    assert not by_rule(findings, "live-check-incomplete")
    assert by_rule(findings, "live-certificate-expiring")


def test_denied_certificate_body_still_applies_the_live_rules(aws, proxy, ca):
    arn = two_regions(aws, ca)
    proxy.fault("GetCertificate", "denied")
    findings = audit(["us-east-1"])
    [incomplete] = by_rule(findings, "live-check-incomplete")
    assert incomplete.resource == arn and "body of certificate" in incomplete.message
    assert "AccessDeniedException" in incomplete.message
    assert by_rule(findings, "live-certificate-expiring")


def test_failed_policies_do_not_pass_for_the_default_policy(aws, proxy, ca):
    """Without its policies a listener would look like it had none (the default policy,
    ssl-policy-outdated): the load balancer's TLS rules are reported as not checked instead."""
    from tests.livekit import attach_reference_policy
    two_regions(aws, ca)
    attach_reference_policy(aws, "us-east-1", "web", 443, "tls12", "ELBSecurityPolicy-TLS-1-2-2017-01")
    proxy.fault("DescribeLoadBalancerPolicies", "5xx")
    findings = audit(["us-east-1"])
    [incomplete] = by_rule(findings, "live-check-incomplete")
    assert incomplete.resource == "elb:us-east-1/web" and "TLS policy rules" in incomplete.message
    assert not by_rule(findings, "ssl-policy-outdated")


def test_list_certificates_failure_falls_back_to_describe(aws, proxy, ca):
    two_regions(aws, ca)
    proxy.fault("ListCertificates", "denied")
    findings = audit(["us-east-1"])
    assert not by_rule(findings, "live-check-incomplete")
    assert by_rule(findings, "live-certificate-expiring")
    assert proxy.requests["DescribeCertificate"] == 1


def test_all_regions_falls_back_to_the_default_list(aws, proxy, ca):
    proxy.fault("DescribeRegions", "denied")
    findings = live.audit([], True, None, Context(at=now()), clients=clients())
    [incomplete] = by_rule(findings, "live-check-incomplete")
    assert "list of enabled regions" in incomplete.message and "UnauthorizedOperation" in incomplete.message
    assert proxy.requests["DescribeLoadBalancers"] == 17


@pytest.mark.parametrize("kind", ["timeout", "denied"])
def test_live_check_reports_each_unchecked_certificate_once(aws, proxy, ca, kind):
    arn = two_regions(aws, ca)
    proxy.fault("DescribeCertificate", kind)
    proxy.fault("DescribeLoadBalancers", kind)
    where = Where(file="main.tf", line=3)
    lb = LoadBalancer(address="aws_elb.web", where=where, region="us-east-1", name="web", listeners=[
        Listener(lb_port=443, lb_protocol="HTTPS", instance_port=8443, instance_protocol="HTTPS",
                 ssl_certificate_id=arn, where=where),
        Listener(lb_port=8443, lb_protocol="HTTPS", instance_port=8443, instance_protocol="HTTPS",
                 ssl_certificate_id=arn, where=where)])

    findings = live.check(Project(load_balancers=[lb]), Context(at=now()), clients=clients())

    incomplete = by_rule(findings, "live-check-incomplete")
    assert len(incomplete) == 2, findings
    assert any(f"Certificate {arn}" in f.message and "DescribeCertificate" in f.message for f in incomplete)
    assert any("deployed listeners of aws_elb.web" in f.message for f in incomplete)
    assert {f.rule for f in findings} == {"live-check-incomplete"}


def test_cli_audit_under_faults_exits_cleanly(aws, proxy, ca, elbtls_process):
    two_regions(aws, ca)
    proxy.fault("DescribeLoadBalancers", "denied", region="eu-west-1")
    result = elbtls_process("audit", "--region", "us-east-1", "--region", "eu-west-1", "--format", "json",
                            "--fail-on", "warning", env={"AWS_MAX_ATTEMPTS": "2"})
    assert "Traceback" not in result.err, result.err
    report = json.loads(result.out)
    [incomplete] = [f for f in report["findings"] if f["rule"] == "live-check-incomplete"]
    assert incomplete["resource"] == "elb:eu-west-1" and "AccessDenied" in incomplete["message"]
    assert any(f["rule"] == "live-certificate-expiring" for f in report["findings"])
    assert result.status == 1
