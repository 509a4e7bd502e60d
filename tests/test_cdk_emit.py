"""The reusable Terraform modules (terraform/modules, emitted by modules/emit.py): the committed
files are what emit.py produces today, they hold no provider or backend block, and Terraform
itself accepts them and enforces their validation blocks (offline, from the provider mirror)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from elbtls.modules import emit
from elbtls.validators.facts import tls_policies
from tests.terraform import Terraform, TerraformError, terraform_available

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / emit.DEFAULT_DIR

needs_terraform_fmt = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
needs_terraform = pytest.mark.skipif(terraform_available() is not None, reason=str(terraform_available()))


@pytest.fixture(scope="module")
def emitted() -> dict[str, str]:
    return emit.files()


@needs_terraform_fmt
def test_committed_modules_are_what_emit_produces(emitted):
    committed = {str(p.relative_to(MODULES)): p.read_text() for p in MODULES.rglob("*") if p.is_file()}
    assert committed == emitted, "regenerate them: python -m elbtls.modules.emit"


@needs_terraform_fmt
def test_modules_have_no_provider_or_backend_block(emitted):
    for name, text in emitted.items():
        assert "\nprovider " not in f"\n{text}" and 'backend "' not in text, name


@needs_terraform_fmt
def test_every_variable_is_typed_and_described(emitted):
    for name, text in emitted.items():
        if name.endswith("variables.tf"):
            for block in text.split('variable "')[1:]:
                assert "\n  type " in block.split("\n}\n")[0] or "\n  type = " in block, block[:60]
                assert "description" in block.split("\n}\n")[0], block[:60]


def test_placeholders_must_all_be_filled():
    with pytest.raises(ValueError, match="@MISSING@"):
        emit.render("a = @MISSING@\n")
    assert emit.render("a = @X@\n", X="x${y}") == 'a = "x$${y}"\n'


PROVIDER = """
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Terraform:
    """A root configuration using both modules by local path, initialised once; its listeners
    and back-end keys come from -var. Fake credentials: nothing here talks to AWS."""
    base = tmp_path_factory.mktemp("modules-root")
    work = base / "root"
    work.mkdir()
    (work / "main.tf").write_text(PROVIDER + textwrap.dedent(f"""
        variable "listeners" {{
          type = any
        }}

        variable "backend_public_keys" {{
          type    = map(list(string))
          default = {{}}
        }}

        module "cert" {{
          source                    = "{MODULES / 'acm-certificate'}"
          domain_name               = "www.example.com"
          subject_alternative_names = ["example.com", "*.example.com"]
          zone_id                   = "Z0123456789ABC"
        }}

        module "lb" {{
          source              = "{MODULES / 'clb-https'}"
          name                = "web"
          availability_zones  = ["eu-west-1a"]
          listeners           = var.listeners
          backend_public_keys = var.backend_public_keys
        }}

        output "certificate_arn" {{
          value = module.cert.arn
        }}
    """))
    tf = Terraform.offline(work, base / "scratch", env={})
    tf.init()
    return tf


def plan(tf: Terraform, listeners: str, *more: str) -> str:
    return tf.run("plan", "-no-color", "-input=false", "-var", f"listeners={listeners}", *more)


IAM_ARN = "arn:aws:iam::123456789012:server-certificate/web"
ACM_USE1 = "arn:aws:acm:us-east-1:123456789012:certificate/0e3b1b5c-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
GOOD = f'[{{ lb_port = 443, lb_protocol = "https", instance_port = 443, instance_protocol = "https", certificate_arn = "{IAM_ARN}" }}]'


@needs_terraform
def test_terraform_accepts_the_modules_and_plans_them(root):
    root.validate()
    out = plan(root, GOOD, "-var", 'backend_public_keys={ "443" = ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"] }')
    for address in ('module.cert.aws_route53_record.validation["example.com"]',
                    'module.cert.aws_route53_record.validation["www.example.com"]',
                    'module.cert.aws_acm_certificate_validation.this',
                    f'module.lb.aws_load_balancer_policy.tls["{tls_policies.RECOMMENDED}"]',
                    'module.lb.aws_load_balancer_listener_policy.tls["443"]',
                    'module.lb.aws_load_balancer_backend_server_policy.this["443"]'):
        assert address in out
    assert 'validation["*.example.com"]' not in out  # shares example.com's record


@needs_terraform
@pytest.mark.parametrize("listeners, message", [
    ('[{ lb_port = 70000, lb_protocol = "HTTP", instance_port = 80, instance_protocol = "HTTP" }]',
     "lb_port and instance_port must be 1 to 65535"),
    ('[{ lb_port = 443, lb_protocol = "FTP", instance_port = 80, instance_protocol = "HTTP" }]',
     "Protocols must be HTTP, HTTPS, TCP or SSL"),
    (f'[{{ lb_port = 443, lb_protocol = "HTTPS", instance_port = 80, instance_protocol = "HTTP", certificate_arn = "{IAM_ARN}", '
     'tls_policy = "ELBSecurityPolicy-Nope" }]', "must name a predefined"),
    (f'[{{ lb_port = 443, lb_protocol = "HTTPS", instance_port = 80, instance_protocol = "HTTP", certificate_arn = "{ACM_USE1}" }}]',
     "in another region than the load balancer"),
])
def test_the_modules_validation_blocks_reject_bad_input(root, listeners, message):
    """The checks the issue names (ports, protocols, policy names, region match); each plan
    takes seconds, so the other validation blocks are left to review."""
    with pytest.raises(TerraformError) as e:
        plan(root, listeners)
    assert message in " ".join(str(e.value).split())
