"""Random and mutated PEM, HCL and JSON files through `cli.main` (in-process, for speed):
whatever the bytes, the command ends with status 0 or 1 and a parsable report, and nothing
but SystemExit escapes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elbtls.validators import cli

from . import certs

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=bool(os.environ.get("CI")))

_LEAF = certs.make_leaf(certs.make_ca(), sans=("www.example.com",))
SEEDS = {
    "leaf.pem": _LEAF.cert_pem + certs.make_ca().cert_pem + _LEAF.key_pem,
    "main.tf": """\
resource "aws_acm_certificate" "web" {
  certificate_body  = file("${path.module}/leaf.pem")
  private_key       = var.key
  lifecycle { create_before_destroy = true }
}

resource "aws_elb" "web" {
  name               = "web"
  availability_zones = ["us-east-1a"]
  # elbtls:ignore=ssl-policy-outdated migrating next week
  listener {
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = aws_acm_certificate.web.arn
  }
}

resource "aws_load_balancer_policy" "tls" {
  load_balancer_name = aws_elb.web.name
  policy_name        = "tls-${var.env}"
  policy_type_name   = "SSLNegotiationPolicyType"
  policy_attribute {
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-2-2017-01"
  }
}
""",
    "main.tf.json": json.dumps({"resource": {
        "aws_acm_certificate": {"web": {"domain_name": "example.com", "validation_method": "DNS",
                                        "subject_alternative_names": ["www.example.com"]}},
        "aws_elb": {"web": {"name": "web", "listener": [{
            "lb_port": 443, "lb_protocol": "https", "instance_port": 80, "instance_protocol": "http",
            "ssl_certificate_id": "${aws_acm_certificate.web.arn}"}]}}}}, indent=1),
}


def mutated(seed: str) -> st.SearchStrategy[bytes]:
    """`seed` with a few bytes replaced, inserted or deleted, or cut short."""
    data = seed.encode()
    edit = st.tuples(st.integers(0, len(data)), st.sampled_from(["replace", "insert", "delete", "cut"]),
                     st.binary(min_size=1, max_size=8))

    def apply(edits) -> bytes:
        out = bytearray(data)
        for pos, kind, blob in edits:
            pos = min(pos, len(out))
            if kind == "replace":
                out[pos:pos + len(blob)] = blob
            elif kind == "insert":
                out[pos:pos] = blob
            elif kind == "delete":
                del out[pos:pos + len(blob)]
            else:
                del out[pos:]
        return bytes(out)

    return st.lists(edit, min_size=1, max_size=6).map(apply)


def run_on(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        if name == "main.tf":               # the file() the HCL seed reads
            (Path(tmp) / "leaf.pem").write_text(SEEDS["leaf.pem"])
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            with pytest.raises(SystemExit) as exit_:
                cli.main(["validate", "--format", "json", "--at", "2026-06-01", tmp])
    assert exit_.value.code in (0, 1), err.getvalue()
    report = json.loads(out.getvalue())
    assert report["summary"]["files"] >= 1


@FUZZ
@given(name=st.sampled_from(sorted(SEEDS)), content=st.binary(max_size=2048))
def test_random_bytes(name, content):
    run_on(name, content)


@FUZZ
@given(content=mutated(SEEDS["leaf.pem"]))
def test_mutated_pem(content):
    run_on("leaf.pem", content)


@FUZZ
@given(content=mutated(SEEDS["main.tf"]))
def test_mutated_hcl(content):
    run_on("main.tf", content)


@FUZZ
@given(content=mutated(SEEDS["main.tf.json"]))
def test_mutated_json(content):
    run_on("main.tf.json", content)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list('{}[]()"=,.:$#/*\n abc1\\-<>EOT%~')), max_size=400))
def test_hcl_shaped_text(text):
    run_on("main.tf", text.encode())
