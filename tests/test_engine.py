"""The engine's own decisions, on hand-made findings: deduplication, suppression comments,
configuration, the exit threshold, and a crashing check."""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timezone
from pathlib import Path

import pytest

from elbtls.validators import engine
from elbtls.validators.catalog import finding
from elbtls.validators.config import Config
from elbtls.validators.findings import Severity, Where
from elbtls.validators.model import Context, LoadBalancer, Project

# The input layer's Suppression has these fields; the engine reads nothing else.
Ignore = namedtuple("Ignore", "file line slug reason")
AT = datetime(2026, 6, 1, tzinfo=timezone.utc)


def f(slug="listener-missing-certificate", line=12, file="main.tf", resource="aws_elb.web", message="m"):
    return finding(slug, message, Where(file=file, line=line, resource=resource))


# main.tf: aws_elb.web spans lines 10-30, aws_elb.api lines 40-50.
SPANS = {"main.tf": [("aws_elb.web", 10, 30), ("aws_elb.api", 40, 50)]}


def kept(findings, *ignores):
    return engine.suppress(findings, list(ignores), SPANS)


def test_identical_findings_are_reported_once():
    assert engine.dedupe([f(), f(), f(line=13)]) == [f(), f(line=13)]


@pytest.mark.parametrize("line", [12, 11])
def test_suppression_on_or_just_above_the_line(line):
    assert kept([f(line=12)], Ignore("main.tf", line, "listener-missing-certificate", "legacy")) == []


def test_suppression_above_the_resource_covers_findings_inside_it():
    assert kept([f(line=25)], Ignore("main.tf", 9, "listener-missing-certificate", "legacy")) == []
    assert kept([f(line=25)], Ignore("main.tf", 10, "listener-missing-certificate", "legacy")) == []


def test_a_block_of_ignore_comments_above_a_resource_all_apply():
    ignores = [Ignore("main.tf", 7, "listener-missing-certificate", "legacy"),
               Ignore("main.tf", 8, "duplicate-listener-port", "legacy"),
               Ignore("main.tf", 9, "lb-name-invalid", "legacy")]
    findings = [f(line=25), f("duplicate-listener-port", line=20), f("lb-name-invalid", line=11)]
    assert kept(findings, *ignores) == []


def test_suppression_does_not_leak():
    other_rule = Ignore("main.tf", 11, "duplicate-listener-port", "legacy")
    other_file = Ignore("other.tf", 11, "listener-missing-certificate", "legacy")
    two_above = Ignore("main.tf", 10, "listener-missing-certificate", "legacy")
    other_resource = Ignore("main.tf", 39, "listener-missing-certificate", "legacy")
    for ignore in (other_rule, other_file, other_resource):
        assert kept([f(line=12)], ignore) == [f(line=12)]
    # A comment two lines above a finding outside any span does not reach it.
    assert kept([f(line=36, resource=None)], Ignore("main.tf", 34, "listener-missing-certificate", "x")) \
        == [f(line=36, resource=None)]
    assert kept([f(line=12)], two_above) == []  # ... but line 10 is the resource's first line


def test_finding_without_a_line_is_matched_by_its_resource():
    assert kept([f(line=None, resource="aws_elb.api")], Ignore("main.tf", 39, "listener-missing-certificate", "x")) == []
    assert kept([f(line=None, resource="aws_elb.web")], Ignore("main.tf", 39, "listener-missing-certificate", "x")) \
        == [f(line=None, resource="aws_elb.web")]


def test_paths_are_compared_normalised():
    assert kept([f(file="./main.tf", line=12)], Ignore("main.tf", 12, "listener-missing-certificate", "x")) == []


def test_suppression_without_reason_works_and_is_reported():
    out = kept([f(line=12)], Ignore("main.tf", 11, "listener-missing-certificate", ""))
    assert [(x.rule, x.severity, x.line) for x in out] == [("suppression-invalid", Severity.WARNING, 11)]
    assert "gives no reason" in out[0].message


def test_suppression_of_unknown_rule_suppresses_nothing_and_is_reported():
    out = kept([f(line=12)], Ignore("main.tf", 11, "listener-missing-certificat", "x"))
    assert out[0] == f(line=12)
    assert out[1].rule == "suppression-invalid"
    assert "did you mean listener-missing-certificate" in out[1].message


def test_configuration_disables_regrades_excludes_and_sorts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = Config(disable=frozenset({"lb-name-invalid"}), severity={"missing-san": Severity.ERROR},
                    exclude=("examples",), root=Path(tmp_path))
    findings = [f("missing-san", file="b.tf", line=3), f("lb-name-invalid"), f(file="examples/x.tf"),
                f(file="a.tf", line=9), f(file="a.tf", line=2)]
    out = engine.configure(findings, config)
    assert [(x.file, x.line, x.rule, x.severity) for x in out] == [
        ("a.tf", 2, "listener-missing-certificate", Severity.ERROR),
        ("a.tf", 9, "listener-missing-certificate", Severity.ERROR),
        ("b.tf", 3, "missing-san", Severity.ERROR)]


@pytest.mark.parametrize("severities, fail_on, status", [
    ([], Severity.ERROR, 0),
    ([Severity.WARNING], Severity.ERROR, 0),
    ([Severity.WARNING], Severity.WARNING, 1),
    ([Severity.INFO], Severity.WARNING, 0),
    ([Severity.INFO], Severity.INFO, 1),
    ([Severity.ERROR], Severity.ERROR, 1),
])
def test_exit_threshold(severities, fail_on, status):
    report = engine.Report(tuple(f().model_copy(update={"severity": s}) for s in severities), 1, AT)
    assert report.exit_status(fail_on) == status


def test_a_crashing_check_is_an_internal_fault_naming_check_and_file():
    lb = LoadBalancer(address="aws_elb.web", where=Where(file="stacks/web/main.tf", line=3))

    def check_listeners(project, ctx):
        for balancer in project.load_balancers:
            raise KeyError("boom -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----")
        return []

    with pytest.raises(engine.InternalFault) as e:
        engine.run_check(check_listeners, Project(load_balancers=[lb]), Context(at=AT))
    message = str(e.value)
    assert "check_listeners" in message and "while checking stacks/web/main.tf" in message
    assert "\n" not in message and "MIIE" not in message and "[redacted]" in message


def test_safe_message_strips_long_base64_and_keeps_one_line():
    text = engine.safe_message(ValueError("bad\nvalue " + "QUJD" * 30))
    assert text.startswith("ValueError: bad value ") and "QUJD" not in text


def test_live_unavailable_when_the_function_is_missing(monkeypatch):
    from elbtls.validators import live

    monkeypatch.delattr(live, "audit", raising=False)
    with pytest.raises(engine.LiveUnavailable, match="not available"):
        engine.audit([], False, None, Context(at=AT), Config())


# --- whole runs over many root modules --------------------------------------------------------

STACK_TF = """
provider "aws" {{
  region = "us-east-1"
}}

resource "aws_elb" "web" {{
  name = "web-{i}"
  listener {{
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b"
  }}
}}
{policy}"""

POLICY_TF = """
resource "aws_load_balancer_policy" "tls" {
  load_balancer_name = aws_elb.web.name
  policy_name        = "tls"
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-2-2017-01"
  }
}

resource "aws_load_balancer_listener_policy" "tls" {
  load_balancer_name = aws_elb.web.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.tls.policy_name]
}
"""


def test_stacks_with_the_same_addresses_do_not_share_policies(tmp_path, monkeypatch):
    """Five roots each declare aws_elb.web; all but s2 attach the recommended policy. Only
    s2 is outdated: no root's policies attach to another root's load balancer."""
    for i in range(5):
        (tmp_path / f"s{i}").mkdir()
        (tmp_path / f"s{i}" / "main.tf").write_text(STACK_TF.format(i=i, policy="" if i == 2 else POLICY_TF))
    monkeypatch.chdir(tmp_path)
    report = engine.run(["."], Context(at=AT), Config())
    assert [(x.rule, x.file) for x in report.findings] == [("ssl-policy-outdated", "./s2/main.tf")]


def test_configured_excludes_keep_files_out_of_the_run(tmp_path, monkeypatch):
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "main.tf").write_text("broken = = =\n")
    (tmp_path / "main.tf").write_text(STACK_TF.format(i=0, policy=POLICY_TF))
    monkeypatch.chdir(tmp_path)
    assert engine.run(["."], Context(at=AT), Config()).files_checked == 2
    report = engine.run(["."], Context(at=AT), Config(exclude=("vendor",), root=Path(tmp_path)))
    assert (report.files_checked, report.findings) == (1, ())
