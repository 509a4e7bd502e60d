"""Hostile and broken input through the real command (a separate `elbtls` process): every
bad file gives one finding naming it, the other files are still checked, the status is 1
(findings), never 2 (fault), no traceback is printed, and no output format ever prints a
line of a private key."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from . import certs
from .samples import elb_without_certificate
from .conftest import ELBTLS

UNREADABLE = {"input-unreadable", "pem-malformed"}


def validate(tree: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([str(ELBTLS), "validate", *args, "."], cwd=tree, capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done.returncode, done.stdout, done.stderr


def findings_by_file(stdout: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in json.loads(stdout)["findings"]:
        out.setdefault(os.path.normpath(f["file"]), []).append(f["rule"])
    return out


def max_file_bytes() -> int:
    """The input layer's size limit (its default), so the oversize file is just over it."""
    import inspect

    from elbtls.validators import inputs

    return inspect.signature(inputs.load).parameters["max_file_bytes"].default


@pytest.fixture
def junk_tree(tmp_path):
    (tmp_path / "defect.tf").write_text(elb_without_certificate())
    (tmp_path / "binary.tf").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "binary.pem").write_bytes(b"\x00\x01\x02garbage\xff" * 50)
    (tmp_path / "empty.pem").write_bytes(b"")
    (tmp_path / "empty.tf.json").write_bytes(b"")
    (tmp_path / "latin1.tf").write_bytes('resource "aws_elb" "caf\xe9" {}\n'.encode("latin-1"))
    (tmp_path / "broken.tf").write_text('resource "aws_elb" "web" {\n  name = "x"\n')
    (tmp_path / "nested.tf.json").write_text("[" * 200_000 + "]" * 200_000)
    (tmp_path / "deep.tf.json").write_text('{"a":' * 50_000 + "1" + "}" * 50_000)
    (tmp_path / "huge.tf").write_text("# padding\n" * (max_file_bytes() // 10 + 10))
    (tmp_path / "der.crt").write_bytes(certs.make_leaf().der)
    (tmp_path / "loop.tf").symlink_to("loop.tf")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)   # a directory cycle
    return tmp_path


BAD = ["binary.tf", "binary.pem", "empty.pem", "empty.tf.json", "latin1.tf", "broken.tf", "nested.tf.json",
       "deep.tf.json", "huge.tf", "der.crt", "loop.tf"]


def test_each_bad_file_is_one_finding_and_the_rest_is_still_checked(junk_tree):
    status, out, err = validate(junk_tree, "--format", "json")
    assert status == 1, err
    found = findings_by_file(out)
    for name in BAD:
        rules = [r for r in found.get(name, []) if r in UNREADABLE]
        assert len(rules) == 1, (name, found.get(name))
    assert "listener-missing-certificate" in found["defect.tf"]
    assert not any(name.startswith("sub/up") for name in found), "followed a directory cycle"


@pytest.mark.parametrize("fmt", ["text", "sarif"])
def test_other_formats_survive_the_same_junk(junk_tree, fmt):
    status, out, _ = validate(junk_tree, "--format", fmt)
    assert status == 1
    assert "huge.tf" in out and "loop.tf" in out


def test_a_file_that_cannot_be_read(tmp_path):
    """Mode 000 for an ordinary user; root reads any file whatever its mode, so there the
    stand-in is a link to /proc/self/mem, which opens but fails on read (EIO)."""
    (tmp_path / "defect.tf").write_text(elb_without_certificate())
    secret = tmp_path / "secret.pem"
    if os.geteuid() == 0:
        secret.symlink_to("/proc/self/mem")
    else:
        secret.write_text("-----BEGIN CERTIFICATE-----\n")
        secret.chmod(0)
    status, out, err = validate(tmp_path, "--format", "json")
    assert status == 1, err
    found = findings_by_file(out)
    assert found["secret.pem"] == ["input-unreadable"]
    assert "listener-missing-certificate" in found["defect.tf"]


# --- private keys never leak ------------------------------------------------------------

@pytest.fixture
def key_tree(tmp_path):
    leaf = certs.make_leaf()
    rsa_key = leaf.key_pem
    ec_key = certs.key_pem(certs.private_key("ec256"), fmt="traditional")
    (tmp_path / "main.tf").write_text(f'''\
resource "aws_acm_certificate" "inline" {{
  certificate_body = <<-EOT
{leaf.cert_pem}  EOT
  private_key      = <<-EOT
{rsa_key}  EOT
}}

resource "aws_iam_server_certificate" "quoted" {{
  name             = "quoted"
  certificate_body = "{leaf.cert_pem.replace(chr(10), chr(92) + "n")}"
  private_key      = "{ec_key.replace(chr(10), chr(92) + "n")}"
}}
''')
    (tmp_path / "key.pem").write_text(rsa_key)
    (tmp_path / "bundle.pem").write_text(leaf.cert_pem + ec_key)
    # A broken key: armour fine, body cut short; its lines must not be echoed either.
    (tmp_path / "broken-key.pem").write_text("\n".join(rsa_key.splitlines()[:6]) + "\n-----END PRIVATE KEY-----\n")
    return tmp_path, [rsa_key, ec_key]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_no_output_format_prints_key_material(key_tree, fmt):
    tree, keys = key_tree
    status, out, err = validate(tree, "--format", fmt)
    assert status == 1
    assert "private-key-inline" in out
    for key in keys:
        for line in key.splitlines():
            if not line.startswith("-----") and len(line) >= 16:
                assert line not in out and line not in err, f"{fmt} output holds a line of a private key"
