"""The README shows real runs: its rule list and its example output are what the CLI prints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ELBTLS = Path(sys.executable).with_name("elbtls")


def elbtls(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ELBTLS), *args], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})


def test_readme_lists_every_rule_as_the_cli_does():
    listing = elbtls("rules")
    assert listing.returncode == 0
    assert listing.stdout.rstrip() in (ROOT / "README.md").read_text()


def test_readme_shows_a_real_run_on_the_broken_example():
    run = elbtls("validate", "examples/broken", "--at", "2026-12-01T00:00:00Z")
    assert run.returncode == 1
    assert run.stdout.rstrip() in (ROOT / "README.md").read_text()
    for slug in ("listener-missing-certificate", "certificate-region-mismatch", "key-algorithm-unsupported",
                 "cert-expired", "chain-order-invalid", "ssl-policy-outdated"):
        assert slug in run.stdout


@pytest.mark.cdk
def test_readme_construct_example_synthesizes(tmp_path):
    """The README's Python example is real code: it synthesizes (CDK Terrain) a stack with a
    DNS-validated certificate and an HTTPS listener that uses it."""
    from elbtls.modules import node

    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    (tmp_path / "app.py").write_text(code)
    run = subprocess.run([sys.executable, "app.py"], cwd=tmp_path, capture_output=True, text=True,
                         env=node.env({**os.environ, "CDKTF_OUTDIR": str(tmp_path / "out")}), timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    synthesized = json.loads(next((tmp_path / "out").glob("stacks/web/cdk.tf.json")).read_text())
    resources = synthesized["resource"]
    assert set(resources) >= {"aws_acm_certificate", "aws_acm_certificate_validation", "aws_route53_record",
                              "aws_elb", "aws_load_balancer_policy", "aws_load_balancer_listener_policy"}
    (elb,) = resources["aws_elb"].values()
    assert "aws_acm_certificate_validation" in elb["listener"][0]["ssl_certificate_id"]
