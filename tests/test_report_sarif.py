"""SARIF 2.1.0: valid against the official schema (tests/data, see its README) and shaped
the way GitHub code scanning reads it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import jsonschema
import pytest

from elbtls.validators.catalog import RULES, finding
from elbtls.validators.engine import Report
from elbtls.validators.findings import Where
from elbtls.validators.report import render

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
AT = datetime(2026, 6, 1, tzinfo=timezone.utc)


def sarif(*findings) -> dict:
    log = json.loads(render(Report(tuple(findings), 2, AT), "sarif"))
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    return log


def test_schema_rejects_a_broken_log():
    """The schema check can fail: a result without a message is invalid."""
    log = sarif(finding("missing-san", "no SAN", Where(file="leaf.pem")))
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_driver_lists_every_rule_by_code_and_slug():
    driver = sarif()["runs"][0]["tool"]["driver"]
    assert driver["name"] == "elbtls" and driver["version"] and driver["informationUri"].startswith("https://")
    assert [(r["id"], r["name"]) for r in driver["rules"]] == [(r.code, r.slug) for r in RULES.values()]
    first = driver["rules"][0]
    assert first["shortDescription"]["text"] and first["helpUri"].startswith("https://")
    assert first["defaultConfiguration"]["level"] == "error"
    assert {r["defaultConfiguration"]["level"] for r in driver["rules"]} == {"error", "warning", "note"}


def test_results_locations_levels_and_fingerprints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = sarif(
        finding("listener-missing-certificate", "no cert", Where(file="infra/my stack/main.tf", line=12,
                                                                 resource="aws_elb.web")),
        finding("missing-san", "no SAN", Where(file=str(tmp_path / "certs" / "leaf.pem"))),
        finding("value-unresolved", "var.arn", Where(file="/elsewhere/x.tf", line=3)),
        finding("live-check-incomplete", "throttled", Where(resource="aws_elb.web")),
    )
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert len(r["partialFingerprints"]["elbtlsFinding/v1"]) == 32
    cert, san, unresolved, live = results
    assert (cert["ruleId"], cert["level"], cert["message"]["text"]) == ("ELBTLS505", "error", "no cert")
    physical = cert["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "infra/my%20stack/main.tf", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 12}}
    assert cert["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "aws_elb.web"
    assert san["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "certs/leaf.pem", "uriBaseId": "%SRCROOT%"}}     # no line: no region
    assert unresolved["level"] == "note"
    assert unresolved["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "file:///elsewhere/x.tf"}
    assert live["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "aws/aws_elb.web", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}
    assert live["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "aws_elb.web"


@pytest.mark.parametrize("resource, uri", [
    ("elb:us-east-1/web", "aws/elb/us-east-1/web"),
    ("arn:aws:acm:eu-west-1:123456789012:certificate/0a1b", "aws/arn/aws/acm/eu-west-1/123456789012/certificate/0a1b"),
    ("ec2:us-east-1/DescribeRegions", "aws/ec2/us-east-1/DescribeRegions"),
    ("../../etc/x y", "aws/etc/x%20y"),
    (None, "aws/account"),
])
def test_results_without_a_file_get_a_physical_location_github_accepts(resource, uri):
    """GitHub rejects the whole upload when a result has no physical location (or a URI with
    a scheme it does not know, such as an ARN's `arn:`): audit findings get a relative
    pseudo-artifact named after the resource, line 1, and keep the resource as logical location."""
    (result,) = sarif(finding("live-certificate-not-issued", "pending", Where(resource=resource)))["runs"][0]["results"]
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}
    assert ":" not in physical["artifactLocation"]["uri"]
    if resource:
        assert location["logicalLocations"] == [{"fullyQualifiedName": resource, "kind": "resource"}]
    else:
        assert "logicalLocations" not in location


def test_every_result_has_a_physical_location():
    results = sarif(finding("missing-san", "a", Where(file="x.pem")), finding("live-check-incomplete", "b", Where()),
                    finding("live-listener-drift", "c", Where(resource="elb:eu-west-1/web")))["runs"][0]["results"]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)


def test_fingerprint_survives_a_line_move_but_not_a_different_finding():
    def fingerprint(**where):
        log = sarif(finding("listener-missing-certificate", "no cert", Where(file="main.tf", **where)))
        return log["runs"][0]["results"][0]["partialFingerprints"]["elbtlsFinding/v1"]

    assert fingerprint(line=12, resource="aws_elb.web") == fingerprint(line=40, resource="aws_elb.web")
    assert fingerprint(line=12, resource="aws_elb.web") != fingerprint(line=12, resource="aws_elb.api")
