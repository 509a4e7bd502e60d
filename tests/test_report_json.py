"""The JSON report has exactly the shape RULES.md promises."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from elbtls.validators.catalog import finding
from elbtls.validators.engine import Report
from elbtls.validators.findings import Where
from elbtls.validators.report import render

AT = datetime(2026, 6, 1, 12, 30, tzinfo=timezone.utc)


def test_exact_shape():
    report = Report((finding("listener-missing-certificate", "no certificate on :443",
                             Where(file="infra/main.tf", line=12, resource="aws_elb.web")),
                     finding("missing-san", "no SAN", Where(file="certs/leaf.pem")),
                     finding("live-check-incomplete", "throttled")), 3, AT)
    assert json.loads(render(report, "json")) == {
        "version": 1,
        "evaluated_at": "2026-06-01T12:30:00Z",
        "findings": [
            {"rule": "listener-missing-certificate", "id": "ELBTLS505", "severity": "error",
             "message": "no certificate on :443", "file": "infra/main.tf", "line": 12, "resource": "aws_elb.web"},
            {"rule": "missing-san", "id": "ELBTLS114", "severity": "warning", "message": "no SAN",
             "file": "certs/leaf.pem", "line": None, "resource": None},
            {"rule": "live-check-incomplete", "id": "ELBTLS706", "severity": "warning", "message": "throttled",
             "file": None, "line": None, "resource": None},
        ],
        "summary": {"error": 1, "warning": 2, "info": 0, "files": 3},
    }


def test_empty_report():
    document = json.loads(render(Report((), 0, AT), "json"))
    assert document["findings"] == [] and document["summary"] == {"error": 0, "warning": 0, "info": 0, "files": 0}
    assert list(document) == ["version", "evaluated_at", "findings", "summary"]
