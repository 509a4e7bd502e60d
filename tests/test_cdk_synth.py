"""The bundled example synthesized by both CLIs: `cdktn synth --hcl` (CDK Terrain, shared with
the end-to-end tests through tests/example_synth.py) and `cdktf synth --hcl` (CDKTF 0.21,
ELBTLS_CDK=cdktf), each once per session. Plus main.py's own error paths."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from elbtls.modules import synth as synth_cli
from elbtls.modules.conventions import AWS_PROVIDER_CONSTRAINT
from elbtls.validators import stackconfig
from tests.example_synth import EXAMPLE_CONFIG, ROOT, synthesized_example

pytestmark = pytest.mark.cdk

needs_cli = pytest.mark.skipif(not (ROOT / "node_modules" / ".bin" / "cdktf").exists(),
                               reason="the CDK CLIs are not installed: python -m elbtls.modules.node npm ci")
needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
EXAMPLE = stackconfig.load(EXAMPLE_CONFIG)
STACKS = sorted(s.name for s in EXAMPLE.stacks)


@pytest.fixture(scope="session")
def cdktn_out() -> Path:
    return synthesized_example()


@pytest.fixture(scope="session")
def cdktf_out() -> Path:
    # Same depth under the temporary directory as example_synth's, so relative paths match.
    base = Path(tempfile.mkdtemp(prefix="elbtls-cdktf-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    outdir = base / "cdktf.out"
    done = synth_cli.synth("cdktf", str(EXAMPLE_CONFIG), str(outdir), root=ROOT)
    assert done.returncode == 0, f"cdktf synth failed:\n{done.stdout}\n{done.stderr}"
    synth_cli.terraform_fmt(outdir)
    return outdir


@pytest.fixture(params=["cdktn", "cdktf"])
def outdir(request) -> Path:
    return request.getfixturevalue(f"{request.param}_out")


def stack_texts(outdir: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in synth_cli.stack_files(outdir)}


@needs_cli
@needs_terraform
def test_every_stack_is_written_as_hcl(outdir):
    texts = stack_texts(outdir)
    assert sorted(texts) == STACKS
    for text in texts.values():
        assert text.lstrip().startswith("terraform {")  # HCL, not JSON
        assert f'version = "{AWS_PROVIDER_CONSTRAINT}"' in text and 'source  = "hashicorp/aws"' in text


@needs_cli
@needs_terraform
def test_terraform_fmt_finds_nothing_to_change(outdir):
    done = subprocess.run(["terraform", "fmt", "-check", "-recursive", str(outdir / "stacks")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@needs_cli
@needs_terraform
def test_both_flavours_write_the_same_configuration(cdktn_out, cdktf_out):
    assert stack_texts(cdktn_out) == stack_texts(cdktf_out)


@needs_cli
@needs_terraform
def test_no_key_material_in_the_output(outdir):
    keys = sorted((EXAMPLE_CONFIG.parent / EXAMPLE.demo_pki.dir).glob("*.key"))
    assert keys, "the demo PKI wrote no keys"
    key_lines = {line for k in keys for line in k.read_text().splitlines() if "-----" not in line}
    for path in outdir.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert "PRIVATE KEY" not in text, path
            assert not any(line in text for line in key_lines), f"{path} holds key material"


@needs_cli
@needs_terraform
def test_pem_files_are_referenced_by_file_and_exist(outdir):
    for name, text in stack_texts(outdir).items():
        paths = re.findall(r'file\("\$\{path\.module\}/([^"]+)"\)', text)
        assert paths or name != "web-euw1"
        for relative in paths:
            assert (outdir / "stacks" / name / relative).resolve().is_file(), relative


@needs_cli
@needs_terraform
def test_the_validator_finds_no_error_in_the_output(outdir):
    done = subprocess.run([str(Path(sys.executable).with_name("elbtls")), "validate", "--format", "json",
                           str(outdir), str(EXAMPLE_CONFIG)], capture_output=True, text=True)
    report = json.loads(done.stdout)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert not errors and done.returncode == 0, errors


@needs_terraform
def test_synth_creates_an_output_directory_whose_parent_is_missing(tmp_path, monkeypatch, capsys):
    config = write_config(tmp_path, """
        version = 1
        [[stacks]]
        name = "plain"
        region = "eu-west-1"
        [[stacks.load_balancers]]
        id = "web"
        name = "web"
        availability_zones = ["eu-west-1a"]
        listeners = [{ lb_port = 80, lb_protocol = "HTTP", instance_port = 80, instance_protocol = "HTTP" }]
    """)
    outdir = tmp_path / "not" / "yet" / "cdktf.out"
    monkeypatch.chdir(ROOT)
    status = synth_cli.main(["--cli", "none", "--config", str(config), "--outdir", str(outdir)])
    assert status == 0, capsys.readouterr()
    assert [p.parent.name for p in synth_cli.stack_files(outdir)] == ["plain"]


# --- main.py run directly: what a user sees when something is wrong ------------------------

def write_config(tmp_path: Path, config_text: str) -> Path:
    """A stack config file in tmp_path, from an indented TOML literal."""
    config = tmp_path / stackconfig.CONFIG_FILENAME
    config.write_text(textwrap.dedent(config_text))
    return config


def run_main(tmp_path: Path, config_text: str) -> subprocess.CompletedProcess:
    config = write_config(tmp_path, config_text)
    env = {**os.environ, "ELBTLS_STACKS": str(config), "CDKTF_OUTDIR": str(tmp_path / "cdktf.out")}
    return subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True)


def test_an_invalid_config_stops_before_the_cdk_starts(tmp_path):
    done = run_main(tmp_path, """
        version = 1
        [[stacks]]
        name = "s"
        region = "moon-1"
    """)
    assert done.returncode == 2
    assert "elbtls.stacks.toml: invalid stack config" in done.stderr and "stacks.0.region" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_rule_violation_fails_synth_with_slug_and_path(tmp_path):
    done = run_main(tmp_path, """
        version = 1
        [[stacks]]
        name = "use1"
        region = "us-east-1"
        [[stacks.certificates]]
        id = "www"
        kind = "requested"
        domain_name = "www.example.com"
        zones = { "example.com" = "Z0123456789ABC" }
        [[stacks]]
        name = "euw1"
        region = "eu-west-1"
        [[stacks.load_balancers]]
        id = "web"
        name = "web"
        availability_zones = ["eu-west-1a"]
        listeners = [{ lb_port = 443, lb_protocol = "HTTPS", instance_port = 80, instance_protocol = "HTTP", certificate = "www" }]
    """)
    assert done.returncode == 1, done.stderr
    assert "[euw1/web] certificate-region-mismatch (ELBTLS510)" in done.stderr
    assert "Traceback" not in done.stderr
