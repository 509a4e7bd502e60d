"""Checkov over the synthesized example: no failed check on `aws_elb`, `aws_acm_certificate` or
`aws_load_balancer_policy`, except those tests/checkov_not_applicable.toml lists with a reason
(the README includes that list).

Checkov's pins clash with ours, so it runs from its own venv (`make setup` creates
.venv-checkov; ELBTLS_CHECKOV points elsewhere). `--skip-download` keeps it offline: without
it Checkov fetches guideline mappings from the Prisma Cloud API on every run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.example_synth import synthesized_example

ROOT = Path(__file__).resolve().parent.parent
CHECKOV = Path(os.environ.get("ELBTLS_CHECKOV") or ROOT / ".venv-checkov" / "bin" / "checkov")
NOT_APPLICABLE_FILE = ROOT / "tests" / "checkov_not_applicable.toml"
INSECURE = ROOT / "tests" / "fixtures" / "checkov" / "insecure"
IN_SCOPE = ("aws_elb", "aws_acm_certificate", "aws_load_balancer_policy")

pytestmark = pytest.mark.skipif(not CHECKOV.exists(),
                                reason=f"Checkov not installed at {CHECKOV}: run `make setup` or set ELBTLS_CHECKOV")


def not_applicable() -> dict[str, dict]:
    """{check id: {"reason": ..., "resources": [...] (optional)}} from the one list the README shows."""
    return tomllib.loads(NOT_APPLICABLE_FILE.read_text()).get("checks", {})


def waived(check: dict, exceptions: dict[str, dict]) -> bool:
    entry = exceptions.get(check["check_id"])
    return entry is not None and check["resource"] in entry.get("resources", [check["resource"]])


def resource_type(resource: str) -> str:
    """`module.lb.aws_elb.web["a.b"]` → `aws_elb`."""
    address = re.sub(r"\[[^\]]*\]", "", resource)
    parts = address.split(".")
    return parts[-2] if len(parts) >= 2 else ""


def scan(directory: Path) -> dict[str, list[dict]]:
    """Run Checkov's Terraform checks on `directory`; {"passed": [...], "failed": [...]}, each
    narrowed to the resource types in scope."""
    proc = subprocess.run([str(CHECKOV), "--directory", str(directory), "--framework", "terraform",
                           "--output", "json", "--skip-download"],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "")})
    # Exit 1 means "some check failed"; anything else is Checkov failing to run.
    assert proc.returncode in (0, 1), f"checkov exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    out: dict[str, list[dict]] = {"passed": [], "failed": []}
    for rep in reports:
        results = rep.get("results", {})
        for key, kind in (("passed_checks", "passed"), ("failed_checks", "failed")):
            out[kind] += [c for c in results.get(key, []) if resource_type(c["resource"]) in IN_SCOPE]
    return out


def describe(checks: list[dict]) -> str:
    return "\n".join(f"  {c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}" for c in checks)


@pytest.fixture(scope="module")
def example_scan() -> dict[str, list[dict]]:
    return scan(synthesized_example())


@pytest.mark.cdk
def test_no_failed_check_on_the_example(example_scan):
    exceptions = not_applicable()
    failed = [c for c in example_scan["failed"] if not waived(c, exceptions)]
    assert not failed, "Checkov checks failed on the synthesized example:\n" + describe(failed)


@pytest.mark.cdk
def test_every_type_in_scope_was_checked(example_scan):
    """The scan is not vacuous: Checkov parsed the example and checked each resource type."""
    checked = {resource_type(c["resource"]) for c in example_scan["passed"] + example_scan["failed"]}
    assert checked == set(IN_SCOPE)


@pytest.mark.cdk
def test_not_applicable_list_is_current(example_scan):
    """Each waiver has a reason and names a check that really fails on the example, so the
    README lists no stale exceptions."""
    exceptions = not_applicable()
    for check_id, entry in exceptions.items():
        assert entry.get("reason", "").strip(), f"{check_id}: give the reason it does not apply"
        used = [c for c in example_scan["failed"] if c["check_id"] == check_id and waived(c, exceptions)]
        assert used, f"{check_id} no longer fails where it is excepted: remove it from {NOT_APPLICABLE_FILE.name}"


def test_scan_catches_an_insecure_load_balancer():
    """Negative control: the same scan faults a load balancer without access logs, with a TLS 1.0
    policy and a plain back end."""
    failed = {c["check_id"] for c in scan(INSECURE)["failed"]}
    assert {"CKV_AWS_92", "CKV_AWS_213", "CKV_AWS_376"} <= failed


def test_scope_and_exceptions_read_module_and_keyed_addresses():
    assert resource_type('module.lb.aws_elb.this["a.b"]') == "aws_elb"
    assert resource_type("aws_load_balancer_policy.tls[0]") == "aws_load_balancer_policy"
    exceptions = {"CKV2_AWS_71": {"reason": "r", "resources": ["aws_acm_certificate.www"]},
                  "CKV_AWS_92": {"reason": "r"}}
    assert waived({"check_id": "CKV2_AWS_71", "resource": "aws_acm_certificate.www"}, exceptions)
    assert not waived({"check_id": "CKV2_AWS_71", "resource": "aws_acm_certificate.api"}, exceptions)
    assert waived({"check_id": "CKV_AWS_92", "resource": "aws_elb.any"}, exceptions)
    assert not waived({"check_id": "CKV_AWS_376", "resource": "aws_elb.any"}, exceptions)
