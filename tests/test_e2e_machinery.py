"""The end-to-end machinery itself, independent of the CDK synth: the provider-mirror CLI
configuration, and a whole run (init from the mirror, validate, apply against moto, boto3
read-back, destroy) on a small hand-written configuration (tests/fixtures/e2e/handwritten).

The fixture places its load balancer in a VPC subnet (the example's stacks use availability
zones), so both placements run. moto differs from AWS here: its DescribeLoadBalancers omits
HealthCheck when none was configured (AWS always returns its default TCP check) and the AWS
provider then crashes with a nil dereference, so every load balancer under test sets a health
check.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import e2e_readback as rb
from tests import terraform
from tests.certs import make_ca, make_leaf
from tests.terraform import Terraform, TerraformError, terraform_available

FIXTURE = Path(__file__).parent / "fixtures" / "e2e" / "handwritten"

needs_terraform = pytest.mark.skipif(terraform_available() is not None, reason=str(terraform_available()))


def test_cli_config_installs_aws_from_the_mirror_only(tmp_path):
    text = terraform.cli_config_text(Path("/srv/mirror"))
    assert 'path    = "/srv/mirror"' in text
    assert text.count('"registry.terraform.io/hashicorp/aws"') == 2   # mirror include, direct exclude
    assert "direct {\n    exclude" in text


def test_mirror_location_is_configurable(tmp_path, monkeypatch, capsys):
    provider_dir = tmp_path / "registry.terraform.io" / "hashicorp" / "aws"
    monkeypatch.setenv(terraform.MIRROR_ENV, str(tmp_path))
    assert terraform.mirror_problem() == (f"the provider mirror {tmp_path} holds no "
                                          f"registry.terraform.io/hashicorp/aws (set {terraform.MIRROR_ENV})")
    assert terraform.main(["cli-config", str(tmp_path / "x.tfrc")]) == 2
    assert "holds no registry.terraform.io/hashicorp/aws" in capsys.readouterr().err
    provider_dir.mkdir(parents=True)
    assert terraform.mirror_problem() is None
    assert terraform.main(["cli-config", str(tmp_path / "x.tfrc")]) == 0
    assert f'path    = "{tmp_path}"' in (tmp_path / "x.tfrc").read_text()


def test_runs_get_a_clean_environment(tmp_path, monkeypatch):
    """The caller's AWS credentials and Terraform settings never reach a test's terraform."""
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("TF_VAR_private_key", "leak")
    env = Terraform(tmp_path, tmp_path / "x.tfrc", {"AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
                    plugin_cache=tmp_path / "cache").base_env()
    assert "AWS_PROFILE" not in env and "TF_VAR_private_key" not in env
    assert env["TF_CLI_CONFIG_FILE"] == str(tmp_path / "x.tfrc")
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"


@pytest.fixture
def pki(tmp_path):
    """A leaf issued by an intermediate: body and chain as files, the key as text only."""
    root = make_ca()
    inter = make_ca("Test Intermediate", issuer=root)
    leaf = make_leaf(inter, sans=("www.example.com",))
    (tmp_path / "leaf.pem").write_text(leaf.cert_pem)
    (tmp_path / "chain.pem").write_text(inter.cert_pem)
    return {"TF_VAR_certificate_body_file": str(tmp_path / "leaf.pem"),
            "TF_VAR_certificate_chain_file": str(tmp_path / "chain.pem"),
            "TF_VAR_private_key": leaf.key_pem}


@pytest.mark.e2e
@needs_terraform
def test_apply_read_back_destroy(tmp_path, moto, pki):
    work = tmp_path / "config"
    shutil.copytree(FIXTURE, work)
    tf = Terraform.offline(work, tmp_path, {**moto.env(), **pki})
    aws = rb.Aws(moto.env())

    def serves_both_certificates(state, certificates, live):
        assert sorted(certificates.values()) == ["acm-imported", "iam"]
        assert {port: certificates[ls.certificate] for port, ls in live["e2e-web"].listeners.items()} == {
            443: "acm-imported", 8443: "iam"}
        # The read-back notices a listener that lost its TLS policy outside Terraform.
        aws.client("elb").set_load_balancer_policies_of_listener(
            LoadBalancerName="e2e-web", LoadBalancerPort=443, PolicyNames=[])
        with pytest.raises(AssertionError, match="listener 443"):
            rb.check_load_balancers(aws, state, certificates)

    rb.apply_check_destroy(tf, aws, serves_both_certificates)


@needs_terraform
def test_output_showing_a_private_key_is_withheld(tmp_path):
    (tmp_path / "main.tf").write_text('output "oops" {\n  value = "-----BEGIN PRIVATE KEY-----"\n}\n')
    tf = Terraform.offline(tmp_path, tmp_path, {})
    tf.init()
    with pytest.raises(TerraformError, match=r"printed private-key material \(output withheld\)") as raised:
        tf.apply()
    assert "BEGIN" not in str(raised.value)


@needs_terraform
def test_failure_names_the_command_and_directory(tmp_path, moto):
    """A failing terraform command raises with its output, not a bare exit status."""
    (tmp_path / "main.tf").write_text('resource "aws_elb" "x" {\n  name = 1 +\n}\n')
    tf = Terraform.offline(tmp_path, tmp_path, moto.env())
    expected = r"`terraform validate -no-color` in .* exited 1:(?s:.*)Invalid expression"
    with pytest.raises(TerraformError, match=expected):
        tf.validate()
