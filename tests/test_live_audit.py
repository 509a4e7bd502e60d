"""`elbtls audit` (live.audit) against a moto server on loopback: deployed load balancers,
listeners, policies and certificates judged by the same rules as a configuration, across
regions, with the AWS calls batched and cached."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import time
import sys

import pytest

from elbtls.validators import live
from elbtls.validators.live import account as audit_module
from elbtls.validators.model import Context
from tests.certs import make_leaf
from tests.livekit import (attach_reference_policy, aws_env, by_rule, create_lb, fast_clients, http, https,
                           import_certificate, now, subnet, upload_server_certificate)



def run_audit(regions, *, all_regions=False, at=None, clients=None, warn_days=30):
    clients = clients or fast_clients()
    ctx = Context(at=at or now(), warn_days=warn_days)
    return live.audit(regions, all_regions, None, ctx, clients=clients), clients


def test_importing_live_does_not_import_boto3():
    code = "import sys, elbtls.validators.live; assert 'boto3' not in sys.modules and 'botocore' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_audit_applies_certificate_listener_tls_and_live_rules_across_regions(aws, ca):
    east, west = subnet(aws, "us-east-1"), subnet(aws, "eu-west-1")
    expiring = import_certificate(aws, "us-east-1", make_leaf(ca, sans=("www.example.com",), days=10), ca.cert_pem)
    ec_key = import_certificate(aws, "eu-west-1", make_leaf(ca, sans=("ec.example.com",), key="ec256", days=200),
                                ca.cert_pem)
    create_lb(aws, "us-east-1", "web", [https(443, expiring), http()], east)
    create_lb(aws, "eu-west-1", "api", [https(443, ec_key)], west)
    attach_reference_policy(aws, "eu-west-1", "api", 443, "tls12", "ELBSecurityPolicy-TLS-1-2-2017-01")

    findings, _ = run_audit(["us-east-1", "eu-west-1"])

    [expiry] = by_rule(findings, "live-certificate-expiring")
    assert expiry.severity.value == "warning" and expiry.resource == expiring
    assert "elb:us-east-1/web:443" in expiry.message
    [renewal] = by_rule(findings, "live-renewal-ineligible")
    assert renewal.resource == expiring and "imported" in renewal.message
    # The certificate rules on the deployed body: an EC key cannot serve a Classic LB through ACM.
    [key] = by_rule(findings, "key-algorithm-unsupported")
    assert key.resource == ec_key and "elb:eu-west-1/api" in key.message
    # The TLS policy rules: no policy means the default, which allows TLS 1.0; the api LB's
    # TLS 1.2 policy passes.
    [outdated] = by_rule(findings, "ssl-policy-outdated")
    assert outdated.resource == "elb:us-east-1/web" and "lb_port 443" in outdated.message
    assert not by_rule(findings, "live-check-incomplete")
    assert not by_rule(findings, "ssl-policy-reserved-name")


def test_expired_imported_certificate_is_an_error_and_not_issued(aws, ca):
    """moto refuses to import an expired certificate, so import one that expires in two
    seconds and wait: ACM (and moto) then report it EXPIRED."""
    sn = subnet(aws, "us-east-1")
    start = now() - dt.timedelta(days=1) + dt.timedelta(seconds=2)
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, sans=("old.example.com",), not_before=start, days=1),
                             ca.cert_pem)
    create_lb(aws, "us-east-1", "old", [https(443, arn)], sn)
    time.sleep(max(0.0, (start + dt.timedelta(days=1) - now()).total_seconds()) + 1.1)

    findings, _ = run_audit(["us-east-1"])

    [expiry] = by_rule(findings, "live-certificate-expiring")
    assert expiry.severity.value == "error" and "expired on" in expiry.message
    [status] = by_rule(findings, "live-certificate-not-issued")
    assert "EXPIRED" in status.message
    assert by_rule(findings, "live-renewal-ineligible")
    # cert-expired says the same as live-certificate-expiring about the same body: dropped.
    assert not by_rule(findings, "cert-expired")


def test_iam_certificate_expiry_comes_from_the_body_not_the_metadata(aws, ca):
    """moto reports a fixed Expiration of 2012 for every IAM certificate; AWS reports the
    body's notAfter, which is what the audit reads: 12 days left is a warning, not an error."""
    sn = subnet(aws, "us-east-1")
    arn = upload_server_certificate(aws, "soon", make_leaf(ca, sans=("iam.example.com",), days=13))
    create_lb(aws, "us-east-1", "iamlb", [https(443, arn)], sn)

    findings, _ = run_audit(["us-east-1"])

    [expiry] = by_rule(findings, "live-certificate-expiring")
    assert expiry.severity.value == "warning"
    assert re.search(r"expires on \S+, in 1[12] days", expiry.message)
    [renewal] = by_rule(findings, "live-renewal-ineligible")
    assert "IAM server certificate" in renewal.message


def test_deleted_certificate_is_not_found(aws, ca):
    from tests.livekit import client
    sn = subnet(aws, "us-east-1")
    arn = import_certificate(aws, "us-east-1", make_leaf(ca, days=200), ca.cert_pem)
    create_lb(aws, "us-east-1", "gone", [https(443, arn)], sn)
    client("acm", "us-east-1", aws).delete_certificate(CertificateArn=arn)

    findings, _ = run_audit(["us-east-1"])

    [missing] = by_rule(findings, "live-certificate-not-found")
    assert missing.resource == arn and "does not exist in us-east-1" in missing.message


def test_paginates_load_balancers(aws, ca, monkeypatch):
    monkeypatch.setattr(audit_module, "ELB_PAGE_SIZE", 2)
    sn = subnet(aws, "us-east-1")
    for i in range(5):
        create_lb(aws, "us-east-1", f"plain{i}", [http()], sn)
    create_lb(aws, "us-east-1", "last", [https(443, upload_server_certificate(aws, "last", make_leaf(ca, days=200)))],
              sn)

    findings, clients = run_audit(["us-east-1"])

    assert clients.calls["elb.DescribeLoadBalancers"] == 3
    # the last page's load balancer was audited too
    [outdated] = by_rule(findings, "ssl-policy-outdated")
    assert outdated.resource == "elb:us-east-1/last"


def test_calls_are_batched_and_certificates_described_once(aws, ca):
    east, west = subnet(aws, "us-east-1"), subnet(aws, "us-west-2")
    shared = import_certificate(aws, "us-east-1", make_leaf(ca, days=200), ca.cert_pem)
    iam = upload_server_certificate(aws, "shared", make_leaf(ca, days=200))
    west_cert = import_certificate(aws, "us-west-2", make_leaf(ca, days=200), ca.cert_pem)
    for i in range(6):
        create_lb(aws, "us-east-1", f"e{i}", [https(443, shared), https(8443, iam, 9443)], east)
        create_lb(aws, "us-west-2", f"w{i}", [https(443, west_cert), https(8443, iam, 9443)], west)

    findings, clients = run_audit(["us-east-1", "us-west-2"])

    assert clients.calls["acm.GetCertificate"] == 2
    assert clients.calls["iam.GetServerCertificate"] == 1
    assert clients.calls["acm.DescribeCertificate"] == 0   # ListCertificates covered them
    assert clients.total_calls() / 12 <= 3
    assert not by_rule(findings, "live-check-incomplete")


def test_all_regions_come_from_describe_regions(aws, ca):
    sn = subnet(aws, "ap-southeast-2")
    create_lb(aws, "ap-southeast-2", "far", [{"Protocol": "HTTPS", "LoadBalancerPort": 443,
                                              "InstanceProtocol": "HTTP", "InstancePort": 80,
                                              "SSLCertificateId": upload_server_certificate(aws, "far", make_leaf(ca))}],
              sn)

    findings, clients = run_audit([], all_regions=True)

    assert clients.calls["ec2.DescribeRegions"] == 1
    assert clients.calls["elb.DescribeLoadBalancers"] > 10
    assert [f.resource for f in by_rule(findings, "ssl-policy-outdated")] == ["elb:ap-southeast-2/far"]


def test_default_region_and_no_region(aws, monkeypatch):
    findings, clients = run_audit([])
    assert findings == [] and set(clients.calls) == {"elb.DescribeLoadBalancers"}
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(live.LiveUnavailable, match="--region"):
        run_audit([])


def test_no_credentials_is_a_usage_problem(aws, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with pytest.raises(live.LiveUnavailable, match="credentials"):
        live.audit(["us-east-1"], False, None, Context(at=now()))
    with pytest.raises(live.LiveUnavailable, match="profile"):
        live.audit(["us-east-1"], False, "no-such-profile", Context(at=now()))


def test_cli_audit(aws, ca, elbtls_process):
    sn = subnet(aws, "eu-west-1")
    arn = upload_server_certificate(aws, "old", make_leaf(ca, sans=("www.example.com",), days=5))
    create_lb(aws, "eu-west-1", "web", [https(443, arn)], sn)

    text = elbtls_process("audit", "--region", "eu-west-1")
    as_json = elbtls_process("audit", "--region", "eu-west-1", "--format", "json", "--warn-days", "2")

    assert text.status == 1 and "Traceback" not in text.err   # chain-incomplete: uploaded without its CA
    assert "live-certificate-expiring" in text.out and "elb:eu-west-1/web" in text.out
    report = json.loads(as_json.out)
    assert not [f for f in report["findings"] if f["rule"] == "live-certificate-expiring"]   # 4 days > 2
    assert {f["rule"] for f in report["findings"]} >= {"chain-incomplete", "ssl-policy-outdated"}


def test_cli_audit_without_region_is_a_usage_error(aws, elbtls_process):
    result = elbtls_process("audit", env={"AWS_REGION": "", "AWS_DEFAULT_REGION": ""})
    assert result.status == 2 and "--region" in result.err and "Traceback" not in result.err


def test_without_boto3_live_checks_are_unavailable_not_a_crash():
    code = ("import sys; sys.modules['boto3'] = None\n"
            "from datetime import datetime, timezone\n"
            "from elbtls.validators import live\n"
            "from elbtls.validators.model import Context, Project\n"
            "try:\n    live.check(Project(), Context(at=datetime.now(timezone.utc)))\n"
            "except live.LiveUnavailable as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'elbtls[live]'" in done.stdout
