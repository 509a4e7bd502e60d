"""The human report: grouped by file, `file:line`, slug and code, resource, a summary, and
colour only when asked for."""

from __future__ import annotations

from datetime import datetime, timezone

from elbtls.validators.catalog import finding
from elbtls.validators.engine import Report
from elbtls.validators.findings import Where
from elbtls.validators.report import render

AT = datetime(2026, 6, 1, tzinfo=timezone.utc)
REPORT = Report((
    finding("listener-missing-certificate", "listener :443 has no certificate",
            Where(file="a/main.tf", line=12, resource="aws_elb.web")),
    finding("ssl-policy-outdated", "no policy", Where(file="a/main.tf", line=14, resource="aws_elb.web")),
    finding("missing-san", "the leaf has no SAN", Where(file="certs/leaf.pem")),
    finding("live-check-incomplete", "DescribeCertificate throttled"),
), 4, AT)


def test_grouped_by_file_with_locations_rules_and_summary():
    text = render(REPORT, "text")
    lines = text.splitlines()
    assert lines[0] == "a/main.tf"
    assert lines[1] == "  a/main.tf:12: error   listener-missing-certificate (ELBTLS505) aws_elb.web"
    assert lines[2] == "      listener :443 has no certificate"
    assert lines[3].startswith("  a/main.tf:14: warning ssl-policy-outdated (ELBTLS601) aws_elb.web")
    assert "certs/leaf.pem\n  certs/leaf.pem: warning missing-san (ELBTLS114)\n" in text
    assert "(not in a file)\n  -: warning live-check-incomplete (ELBTLS706)\n" in text
    assert lines[-1] == "1 error, 3 warnings, 0 info; 4 files checked."
    assert "\033[" not in text


def test_colour_only_when_asked():
    coloured = render(REPORT, "text", color=True)
    assert "\033[31merror  \033[0m" in coloured and "\033[33mwarning\033[0m" in coloured


def test_clean_summary():
    assert render(Report((), 1, AT), "text") == "No findings; 1 file checked.\n"
