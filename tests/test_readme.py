"""The README shows real runs: its rule list and its example output are what the CLI prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
