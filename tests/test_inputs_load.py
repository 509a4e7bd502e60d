"""`inputs.load`: paths on the command line to a Project, findings about the input,
suppressions and resource spans. Fixtures under tests/fixtures/tf/; hostile files are made
in tmp_path (and private keys at test time: none is committed)."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from elbtls.validators.findings import Where
from elbtls.validators.inputs import LoadResult, Suppression, load
from elbtls.validators.model import HostBinding, Ref, Unresolved

from . import certs

FIXTURES = Path(__file__).parent / "fixtures" / "tf"
discover_module = importlib.import_module("elbtls.validators.inputs.discover")  # where files are opened


@pytest.fixture
def in_fixtures(monkeypatch):
    """Run from tests/fixtures/tf so that display paths are short and relative."""
    monkeypatch.chdir(FIXTURES)


def by_address(items) -> dict:
    return {i.address: i for i in items}


def rules(result: LoadResult) -> list[tuple[str, str | None, int | None]]:
    return sorted((f.rule, f.file, f.line) for f in result.findings)


# --- the HCL fixture -----------------------------------------------------------------------

@pytest.fixture
def hcl_stack(in_fixtures) -> LoadResult:
    return load(["hcl_stack"])


def test_hcl_certificates(hcl_stack):
    certs_ = by_address(hcl_stack.project.certificates)
    web = certs_["aws_acm_certificate.web"]
    assert web.kind == "acm-requested"
    assert web.where == Where(file="hcl_stack/main.tf", line=23, resource="aws_acm_certificate.web")
    assert web.domain_name == "www.example.com"                      # lower("WWW.${var.zone}")
    assert web.subject_alternative_names == ["www.example.com", "api.example.com"]
    assert (web.validation_method, web.key_algorithm, web.transparency_logging) == ("DNS", "RSA_2048", "DISABLED")
    assert web.create_before_destroy is False
    assert (web.region, web.provider) == ("eu-central-1", "aws")        # prod.auto.tfvars beats terraform.tfvars

    legacy = certs_["aws_iam_server_certificate.legacy"]
    assert legacy.kind == "iam" and legacy.create_before_destroy is True
    assert (legacy.name, legacy.name_prefix, legacy.path) == (None, "legacy-", "/elb/")
    assert legacy.body.origin == Where(file="hcl_stack/certs/legacy.crt")
    assert legacy.body.reveal().startswith("-----BEGIN CERTIFICATE-----\n")
    assert legacy.chain.reveal().startswith("-----BEGIN") and legacy.chain.reveal().endswith("-----")   # trimspace
    assert legacy.private_key == Unresolved(
        expression="var.legacy_key",
        reason="the variable has no default and no value in terraform.tfvars or the module call; it is set at plan")


def test_hcl_load_balancers(hcl_stack):
    lbs = by_address(hcl_stack.project.load_balancers)
    assert set(lbs) == {"aws_elb.web", "aws_elb.east"}                # aws_elb.never has count = 0
    web = lbs["aws_elb.web"]
    assert web.name == "web-prod" and web.region == "eu-central-1" and web.provider == "aws"
    assert web.refs == {"aws_acm_certificate_validation.web", "aws_iam_server_certificate.legacy"}
    first, second, third = web.listeners
    assert (first.lb_port, first.lb_protocol, first.instance_port, first.instance_protocol) == (443, "https", 8443, "HTTPS")
    assert first.ssl_certificate_id == Ref(address="aws_acm_certificate_validation.web", attribute="certificate_arn")
    assert first.where == Where(file="hcl_stack/main.tf", line=66, resource="aws_elb.web")
    assert (second.lb_port, second.instance_port) == (-1, 9000)        # "9000" converts to a number
    assert second.ssl_certificate_id == Ref(address="aws_iam_server_certificate.legacy", attribute="arn")
    assert third.ssl_certificate_id is None
    east = lbs["aws_elb.east"]
    assert (east.region, east.provider, east.name_prefix) == ("us-east-1", "aws.use1", "east")
    assert east.listeners[0].ssl_certificate_id == "arn:aws:acm:us-east-1:123456789012:certificate/abc"


def test_hcl_policies(hcl_stack):
    p = hcl_stack.project
    (tls,) = p.lb_policies
    assert tls.load_balancer == Ref(address="aws_elb.web", attribute="name")
    assert (tls.policy_name, tls.policy_type_name) == ("tls-12", "SSLNegotiationPolicyType")
    assert [(a.name, a.value) for a in tls.attributes] == [("Reference-Security-Policy", "ELBSecurityPolicy-TLS-1-2-2017-01")]
    (listener_policy,) = p.listener_policies
    assert listener_policy.lb_port == 443
    assert listener_policy.policy_names == [Ref(address="aws_load_balancer_policy.tls", attribute="policy_name")]
    assert listener_policy.refs == {"aws_elb.web", "aws_load_balancer_policy.tls"}
    (backend,) = p.backend_policies
    assert (backend.instance_port, backend.policy_names) == (8443, ["backend-auth"])
    (old,) = p.ssl_negotiation_policies
    assert (old.name, old.lb_port, old.load_balancer) == ("old-style", 443, Ref(address="aws_elb.web", attribute="id"))
    assert [(a.name, a.value) for a in old.attributes] == [("Protocol-TLSv1", "true")]


def test_hcl_validation_records_and_hosts(hcl_stack):
    p = hcl_stack.project
    (validation,) = p.validations
    assert validation.certificate_arn == Ref(address="aws_acm_certificate.web", attribute="arn")
    assert isinstance(validation.validation_record_fqdns, Unresolved)
    assert validation.refs == {"aws_acm_certificate.web", "aws_route53_record.validation"}
    records = by_address(p.dns_records)
    per_option = records["aws_route53_record.validation"]
    assert per_option.per_validation_option is True and per_option.refs == {"aws_acm_certificate.web"}
    assert isinstance(per_option.name, Unresolved)
    www = records["aws_route53_record.www"]
    assert (www.name, www.type, www.per_validation_option) == ("www.example.com.", "A", False)
    assert www.alias_target == Ref(address="aws_elb.web", attribute="dns_name")
    assert p.hosts == [HostBinding(host="www.example.com", target="aws_elb.web", stack="hcl_stack",
                                   where=Where(file="hcl_stack/policies.tf", line=35, resource="aws_route53_record.www"))]


def test_hcl_pem_files_read_by_file_are_not_checked_twice(hcl_stack):
    assert [b.pem.origin.file for b in hcl_stack.project.pem_bundles] == ["hcl_stack/certs/standalone.pem"]
    # main.tf, policies.tf, variables.tf, two tfvars, two PEMs read by file(), the standalone PEM
    assert hcl_stack.files_checked == 8


def test_hcl_suppressions_spans_and_findings(hcl_stack):
    assert hcl_stack.suppressions == [
        Suppression("hcl_stack/main.tf", 22, "missing-create-before-destroy", "rotated by hand, see RUNBOOK.md"),
        Suppression("hcl_stack/main.tf", 82, "listener-protocol-invalid", "legacy clients"),
        Suppression("hcl_stack/main.tf", 82, "duplicate-listener-port", "legacy clients"),
    ]
    assert hcl_stack.resource_spans["hcl_stack/main.tf"][:2] == [("aws_acm_certificate.web", 23, 32),
                                                                ("aws_route53_record.validation", 34, 43)]
    assert ("aws_route53_record.www", 35, 45) in hcl_stack.resource_spans["hcl_stack/policies.tf"]
    assert hcl_stack.findings == []


# --- modules and cdktf -------------------------------------------------------------------

def test_local_modules(in_fixtures):
    result = load(["module_stack"])
    (cert,) = result.project.certificates
    assert cert.address == "module.cert.aws_acm_certificate.this"
    assert cert.where == Where(file="module_stack/modules/cert/main.tf", line=5, resource=cert.address)
    assert (cert.domain_name, cert.region, cert.provider) == ("app.example.com", "us-east-1", "aws.use1")
    (lb,) = result.project.load_balancers                      # module.off has count = 0
    assert (lb.address, lb.name, lb.region, lb.provider) == ("module.lb.aws_elb.this", "app-lb", "eu-west-1", "aws")
    assert lb.listeners[0].ssl_certificate_id == Ref(address="module.cert.aws_acm_certificate.this", attribute="arn")
    assert lb.refs == {"module.cert.aws_acm_certificate.this"}
    assert rules(result) == [("input-unreadable", "module_stack/main.tf", 29),
                             ("value-unresolved", "module_stack/main.tf", 24)]
    remote = next(f for f in result.findings if f.rule == "value-unresolved")
    assert "module.remote" in remote.message and "terraform-aws-modules/acm/aws" in remote.message
    assert result.resource_spans == {"module_stack/modules/cert/main.tf": [(cert.address, 5, 12)],
                                     "module_stack/modules/lb/main.tf": [(lb.address, 14, 24)]}


def test_a_child_module_named_alone_is_a_root(in_fixtures):
    result = load(["module_stack/modules/lb"])
    (lb,) = result.project.load_balancers
    assert lb.address == "aws_elb.this" and lb.name == "default-name-lb"
    assert isinstance(lb.listeners[0].ssl_certificate_id, Unresolved)


def test_cdktf_synth_output(in_fixtures):
    result = load(["cdktf_app"])
    file = "cdktf_app/cdktf.out/stacks/web/cdk.tf.json"
    (cert,) = result.project.certificates
    assert (cert.address, cert.region, cert.provider, cert.create_before_destroy) == (
        "aws_acm_certificate.cert", "us-east-1", "aws.use1", True)
    assert cert.where == Where(file=file, line=33, resource="aws_acm_certificate.cert")
    (lb,) = result.project.load_balancers
    assert (lb.name, lb.region, lb.provider) == ("web-prod", "eu-west-1", "aws")
    assert [(li.lb_port, li.ssl_certificate_id) for li in lb.listeners] == [
        (443, Ref(address="aws_acm_certificate.cert", attribute="arn")), (80, None)]
    records = by_address(result.project.dns_records)
    assert records["aws_route53_record.cert_validation"].per_validation_option is True
    assert records["aws_route53_record.www"].refs == {"aws_elb.web", "aws_acm_certificate.cert"}   # depends_on too
    assert result.project.hosts == [HostBinding(host="www.example.com", target="aws_elb.web",
                                                stack=os.path.dirname(file),
                                                where=Where(file=file, line=105, resource="aws_route53_record.www"))]
    assert (result.findings, result.files_checked) == ([], 1)


def test_dynamic_listeners_are_reported_not_guessed(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_elb" "w" {\n  dynamic "listener" {\n    for_each = var.ls\n'
                                      '    content {\n      lb_port = listener.value\n    }\n  }\n}\n')
    result = load([str(tmp_path)])
    assert result.project.load_balancers[0].listeners == []
    (f,) = result.findings
    assert (f.rule, f.line, f.resource) == ("value-unresolved", 2, "aws_elb.w")


def test_record_instances_follow_count_and_for_each(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "zones" {}\n'
        'resource "aws_route53_record" "keyed" {\n  for_each = { "a.example.com" = "Z1", "b.example.com" = "Z1" }\n'
        '  name = each.key\n}\n'
        'resource "aws_route53_record" "counted" {\n  count = 3\n  name = "c.example.com"\n}\n'
        'resource "aws_route53_record" "single" {\n  name = "d.example.com"\n}\n'
        'resource "aws_route53_record" "unknown" {\n  for_each = var.zones\n  name = each.key\n}\n')
    records = by_address(load([str(tmp_path)]).project.dns_records)
    assert {a: r.instances for a, r in records.items()} == {
        "aws_route53_record.keyed": 2, "aws_route53_record.counted": 3,
        "aws_route53_record.single": 1, "aws_route53_record.unknown": None}


def test_override_files_merge_into_their_blocks(tmp_path):
    """Terraform merges override files into the primary blocks, in lexical order: an argument
    replaces, a nested block type replaces all of that type, lifecycle merges by argument."""
    (tmp_path / "main.tf").write_text(
        'locals {\n  port = 443\n}\n'
        'provider "aws" {\n  region = "us-east-1"\n}\n'
        'resource "aws_acm_certificate" "web" {\n  domain_name = "old.example.com"\n'
        '  validation_method = "DNS"\n  lifecycle {\n    create_before_destroy = true\n  }\n}\n'
        'resource "aws_elb" "web" {\n  name = "web"\n'
        '  listener {\n    lb_port = 80\n    lb_protocol = "http"\n    instance_port = 80\n    instance_protocol = "http"\n  }\n'
        '  listener {\n    lb_port = 8080\n    lb_protocol = "http"\n    instance_port = 80\n    instance_protocol = "http"\n  }\n}\n')
    (tmp_path / "a_override.tf").write_text(
        'locals {\n  port = 8443\n}\n'
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_acm_certificate" "web" {\n  domain_name = "new.example.com"\n'
        '  lifecycle {\n    ignore_changes = [tags]\n  }\n}\n'
        'resource "aws_elb" "web" {\n'
        '  listener {\n    lb_port = local.port\n    lb_protocol = "https"\n    instance_port = 80\n'
        '    instance_protocol = "http"\n    ssl_certificate_id = aws_acm_certificate.web.arn\n  }\n}\n')
    (tmp_path / "override.tf.json").write_text(  # after a_override.tf: the last word on domain_name
        '{"resource": {"aws_acm_certificate": {"web": {"domain_name": "json.example.com"}}}}')
    result = load([str(tmp_path)])
    assert result.findings == []
    (cert,) = result.project.certificates
    assert (cert.domain_name, cert.validation_method, cert.create_before_destroy, cert.region) == (
        "json.example.com", "DNS", True, "eu-west-1")
    (lb,) = result.project.load_balancers
    assert [(ls.lb_port, ls.lb_protocol, ls.where.file) for ls in lb.listeners] == [
        (8443, "https", str(tmp_path / "a_override.tf"))]
    assert lb.listeners[0].ssl_certificate_id == Ref(address="aws_acm_certificate.web", attribute="arn")


def test_a_provider_override_matches_by_alias(tmp_path):
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n'
        'provider "aws" {\n  alias = "west"\n  region = "us-west-1"\n}\n'
        'resource "aws_elb" "east" {\n  name = "east"\n}\n'
        'resource "aws_elb" "west" {\n  provider = aws.west\n  name = "west"\n}\n')
    (tmp_path / "override.tf").write_text('provider "aws" {\n  alias = "west"\n  region = "us-west-2"\n}\n')
    result = load([str(tmp_path)])
    assert result.findings == []
    assert {lb.name: lb.region for lb in result.project.load_balancers} == {"east": "us-east-1", "west": "us-west-2"}


def test_an_override_with_nothing_to_override_is_one_finding(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_elb" "web" {\n  name = "web"\n}\n')
    (tmp_path / "dev_override.tf").write_text(
        'resource "aws_elb" "api" {\n  name = "api"\n}\nlocals {\n  x = 1\n}\n'
        'resource "aws_elb" "web" {\n  name = "web2"\n}\n')
    result = load([str(tmp_path)])
    (f,) = result.findings
    assert (f.rule, f.file) == ("input-unreadable", str(tmp_path / "dev_override.tf"))
    assert "resource aws_elb.api, local value x" in f.message
    assert [lb.name for lb in result.project.load_balancers] == ["web2"]   # the rest still merges


# --- display paths and discovery --------------------------------------------------------

def test_display_paths_follow_the_argument(in_fixtures):
    assert load(["./module_stack/"]).project.certificates[0].where.file == "./module_stack/modules/cert/main.tf"
    absolute = load([str(FIXTURES / "module_stack")]).project.certificates[0].where.file
    assert absolute == str(FIXTURES / "module_stack" / "modules" / "cert" / "main.tf")


def test_a_file_argument_brings_its_module_directory(in_fixtures):
    result = load(["hcl_stack/policies.tf"])
    (tls,) = result.project.lb_policies
    assert tls.attributes[0].value == "ELBSecurityPolicy-TLS-1-2-2017-01"   # var default from variables.tf
    assert tls.where.file == "hcl_stack/policies.tf"
    assert {lb.where.file for lb in result.project.load_balancers} == {"hcl_stack/main.tf"}


def test_noise_directories_are_not_searched(tmp_path):
    for noise in (".terraform/modules/x", ".git", "node_modules/pkg", ".venv-tools", "__pycache__"):
        (tmp_path / noise).mkdir(parents=True)
        (tmp_path / noise / "main.tf").write_text('resource "aws_elb" "noise" {}\n')
        (tmp_path / noise / "x.pem").write_text("noise")
    (tmp_path / "main.tf").write_text('resource "aws_elb" "real" {}\n')
    result = load([str(tmp_path)])
    assert [lb.address for lb in result.project.load_balancers] == ["aws_elb.real"]
    assert result.project.pem_bundles == [] and result.files_checked == 1


def test_the_same_file_twice_is_loaded_once(in_fixtures):
    result = load(["cdktf_app", "cdktf_app/cdktf.out/stacks/web/cdk.tf.json"])
    assert len(result.project.load_balancers) == 1 and result.files_checked == 1


def test_standalone_pem_files(tmp_path):
    (tmp_path / "leaf.crt").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    (tmp_path / "empty.pem").write_text("")
    (tmp_path / "notes.txt").write_text("ignored")
    result = load([str(tmp_path)])
    assert sorted((os.path.basename(b.pem.origin.file), b.pem.reveal()) for b in result.project.pem_bundles) == [
        ("empty.pem", ""), ("leaf.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    assert result.findings == []                    # an empty PEM is for the PEM rules (pem-malformed)


# --- bad input: exactly one input-unreadable per file, the rest still loads ----------------

GOOD = 'resource "aws_elb" "good" {\n  name = "good"\n}\n'


def load_with_bad(tmp_path: Path, name: str, content: bytes | None, **kwargs) -> LoadResult:
    (tmp_path / "good.tf").write_text(GOOD)
    if content is not None:
        (tmp_path / name).write_bytes(content)
    result = load([str(tmp_path)], **kwargs)
    assert [lb.address for lb in result.project.load_balancers] == ["aws_elb.good"]
    return result


def only_finding(result: LoadResult, name: str):
    (f,) = result.findings
    assert (f.rule, f.file) == ("input-unreadable", name)
    assert "Traceback" not in f.message
    return f


@pytest.mark.parametrize("name, content, words, line", [
    ("nul.tf", b'resource "a" "b" {}\n\x00\x01junk', "binary data", None),
    ("latin1.tf", 'x = 1\nname = "caf\xe9"\n'.encode("latin-1"), "not valid UTF-8", 2),
    ("syntax.tf", b'a = 1\n\nresource "x" "y" {\n  a = [1, 2\n}\n', "HCL syntax error at line 4", 4),
    ("bad.tf.json", b'{\n  "resource": {,}\n}', "invalid JSON at line 2", 2),
    ("empty.tf.json", b"", "invalid JSON", 1),
    ("deep.tf.json", b'{"locals": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}", "nested too deeply", None),
    ("deep.tf", b"a = " + b"[" * 300 + b"]" * 300 + b"\n", "nested", 1),
    ("der.crt", b"\x30\x82\x01\x0a\x02\x82\x01\x01\x00\xc3", "convert a DER certificate or key to PEM", None),
    ("bad.auto.tfvars", b"region = \n", "HCL syntax error", 1),
])
def test_bad_files(tmp_path, name, content, words, line):
    f = only_finding(load_with_bad(tmp_path, name, content), str(tmp_path / name))
    assert words in f.message and f.line == line


def test_empty_tf_is_valid(tmp_path):
    assert load_with_bad(tmp_path, "empty.tf", b"").findings == []


def test_oversized_files_are_refused_from_stat_without_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.tf"
    with open(big, "wb") as f:
        f.truncate(2_000_000)                                  # sparse: no data written
    real_open = open

    def guarded_open(path, *args, **kwargs):
        assert os.path.basename(str(path)) != "big.tf", "the oversized file was opened"
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(discover_module, "open", guarded_open, raising=False)
    f = only_finding(load_with_bad(tmp_path, "big.tf", None), str(big))
    assert "2000000 bytes, over the 1048576-byte limit" in f.message
    f = only_finding(load_with_bad(tmp_path, "big.tf", None, max_file_bytes=1000), str(big))
    assert "over the 1000-byte limit" in f.message


def test_unreadable_file(tmp_path, monkeypatch):
    real_open = open

    def denied(path, *args, **kwargs):
        if os.path.basename(str(path)) == "secret.tf":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    (tmp_path / "secret.tf").write_text("a = 1\n")
    monkeypatch.setattr(discover_module, "open", denied, raising=False)
    f = only_finding(load_with_bad(tmp_path, "secret.tf", None), str(tmp_path / "secret.tf"))
    assert "Permission denied" in f.message and "permissions" in f.message


def test_fifo_where_a_file_is_expected(tmp_path):
    os.mkfifo(tmp_path / "pipe.tf")
    f = only_finding(load_with_bad(tmp_path, "pipe.tf", None), str(tmp_path / "pipe.tf"))
    assert "not a regular file" in f.message


def test_symlink_loops(tmp_path):
    (tmp_path / "loop.tf").symlink_to("loop.tf")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)
    f = only_finding(load_with_bad(tmp_path, "loop.tf", None), str(tmp_path / "loop.tf"))
    assert "symbolic links" in f.message


def test_missing_path_argument(tmp_path):
    result = load([str(tmp_path / "nope"), str(FIXTURES / "cdktf_app")])
    (f,) = result.findings
    assert (f.rule, f.file) == ("input-unreadable", str(tmp_path / "nope")) and "No such file" in f.message
    assert len(result.project.load_balancers) == 1


def test_an_unknown_file_named_explicitly(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    (f,) = load([str(tmp_path / "notes.txt")]).findings
    assert f.rule == "input-unreadable" and ".tf" in f.message


# --- private keys ---------------------------------------------------------------------------

def key_body_lines(key: str) -> list[str]:
    return [line for line in key.splitlines() if not line.startswith("-----")]


def test_inline_private_key_is_reported_without_printing_it(tmp_path):
    rsa_key = certs.key_pem(certs.private_key("rsa2048"))
    ec_key = certs.key_pem(certs.private_key("ec256"), fmt="traditional")
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_server_certificate" "inline" {\n'
        '  name        = "inline"\n'
        f'  private_key = <<-EOT\n{rsa_key}  EOT\n'
        '}\n'
        'variable "key" {\n'
        f'  default = "{ec_key.replace(chr(10), chr(92) + "n")}"\n'
        '}\n')
    (tmp_path / "cdk.tf.json").write_text(
        '{"resource": {"aws_acm_certificate": {\n"json": {"private_key": ' + repr(rsa_key).replace("'", '"') + "}}}}")
    result = load([str(tmp_path)])
    found = sorted((f.rule, os.path.basename(f.file), f.line, f.resource) for f in result.findings)
    key_lines = rsa_key.count("\n")
    assert found == [("private-key-inline", "cdk.tf.json", 2, "aws_acm_certificate.json"),
                     ("private-key-inline", "main.tf", 4, "aws_iam_server_certificate.inline"),
                     ("private-key-inline", "main.tf", 7 + key_lines, None)]
    everything = repr(result) + "".join(f.message for f in result.findings)
    for line in key_body_lines(rsa_key) + key_body_lines(ec_key):
        assert line not in everything
    inline = by_address(result.project.certificates)["aws_iam_server_certificate.inline"]
    assert inline.private_key.reveal() == rsa_key          # still handed to the key rules, as a secret
    assert "EC PRIVATE KEY" in next(f.message for f in result.findings if f.resource is None)


def test_no_file_outside_the_tests_reads_as_a_committed_key():
    """A repository secret scanner greps for PEM private-key armour; the loader's own
    pattern (and any other source) must not look like a committed key to it."""
    root = Path(__file__).resolve().parent.parent
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("needs git and a git work tree: the check is the scanner's `git grep`")
    done = subprocess.run(["git", "grep", "--untracked", "-n", "-e", "-----BEGIN .*PRIVATE KEY-----", "--", ".",
                           ":!tests/"], cwd=root, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (1, ""), done.stdout


def test_a_key_in_a_broken_file_is_still_reported(tmp_path):
    key = certs.key_pem(certs.private_key("ec256"))
    (tmp_path / "main.tf").write_text(f'x = <<EOT\n{key}EOT\nbroken = = =\n')
    result = load([str(tmp_path)])
    assert sorted(f.rule for f in result.findings) == ["input-unreadable", "private-key-inline"]
    for line in key_body_lines(key):
        assert all(line not in f.message for f in result.findings)


# --- root modules: one identity each --------------------------------------------------------

ROOT_TF = '''module "dns" {
  source = "../shared"
}

resource "aws_elb" "web" {
  name = "web-%s"
}

resource "aws_route53_record" "www" {
  name = "%s"
  type = "A"
  alias {
    name                   = aws_elb.web.dns_name
    zone_id                = aws_elb.web.zone_id
    evaluate_target_health = false
  }
}
'''


def test_every_resource_and_host_carries_its_root_module(tmp_path, monkeypatch):
    """Two roots with the same addresses stay apart: a resource's `stack` is the display
    directory of the root it was evaluated from, a called module's resources included."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "main.tf").write_text('resource "aws_acm_certificate" "c" {\n  domain_name = "x.example.com"\n}\n')
    for name, host in (("a", "www.a.example.com."), ("b", "www")):     # "www": relative to an unknown zone
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(ROOT_TF % (name, host))
    monkeypatch.chdir(tmp_path)
    project = load(["a", "b"]).project
    assert sorted((lb.stack, lb.address) for lb in project.load_balancers) == [("a", "aws_elb.web"), ("b", "aws_elb.web")]
    assert sorted((c.stack, c.address) for c in project.certificates) == [
        ("a", "module.dns.aws_acm_certificate.c"), ("b", "module.dns.aws_acm_certificate.c")]
    assert {r.stack for r in project.dns_records} == {"a", "b"}
    assert project.hosts == [HostBinding(host="www.a.example.com", target="aws_elb.web", stack="a",
                                         where=Where(file="a/main.tf", line=9, resource="aws_route53_record.www"))]
    monkeypatch.chdir(tmp_path / "a")
    assert {lb.stack for lb in load(["."]).project.load_balancers} == {"."}


def test_stack_config_hosts_bind_to_the_root_holding_the_load_balancer(tmp_path, monkeypatch):
    from elbtls.validators import stackconfig

    monkeypatch.setattr(stackconfig, "hosts", lambda path, display: [
        HostBinding(host="app.example.com", target="aws_elb.app", where=Where(file=display, line=3)),
        HostBinding(host="gone.example.com", target="aws_elb.gone", where=Where(file=display, line=4))])
    app = 'resource "aws_elb" "app" {\n  name = "app"\n}\n'
    for stack in ("project/cdktf.out/stacks/app", "elsewhere/app", "elsewhere/other"):
        (tmp_path / stack).mkdir(parents=True)
        (tmp_path / stack / "main.tf").write_text(app if stack.endswith("/app") else 'resource "aws_elb" "x" {}\n')
    (tmp_path / "project" / "elbtls.stacks.toml").write_text("[x]\n")
    monkeypatch.chdir(tmp_path)
    hosts = load(["project", "elsewhere"]).project.hosts
    assert [(h.host, h.stack) for h in hosts] == [("app.example.com", "project/cdktf.out/stacks/app"),
                                                  ("gone.example.com", "")]
    monkeypatch.chdir(tmp_path / "project")       # the config with one synthesized stack elsewhere
    hosts = load(["elbtls.stacks.toml", "../elsewhere/app"]).project.hosts
    assert [(h.host, h.stack) for h in hosts][0] == ("app.example.com", "../elsewhere/app")


# --- exclude ----------------------------------------------------------------------------------

def test_excluded_files_are_neither_parsed_nor_counted(tmp_path, monkeypatch):
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "broken.tf").write_text("this = = is not HCL\n")
    (tmp_path / "generated" / "leaf.pem").write_text("not PEM either")
    (tmp_path / "main.tf").write_text('resource "aws_elb" "web" {\n  name = "web"\n}\n')
    (tmp_path / "extra.tf").write_text("broken = = =\n")
    monkeypatch.chdir(tmp_path)
    everything = load(["."])
    assert everything.files_checked == 4 and len(everything.project.pem_bundles) == 1
    assert sorted(f.file for f in everything.findings) == ["./extra.tf", "./generated/broken.tf"]

    seen = []

    def exclude(path: str) -> bool:
        seen.append(path)
        return path.startswith("./generated/") or path == "./extra.tf"

    kept = load(["."], exclude=exclude)
    assert (kept.files_checked, kept.findings, kept.project.pem_bundles) == (1, [], [])
    assert [lb.name for lb in kept.project.load_balancers] == ["web"]
    assert "./main.tf" in seen
    named = load(["extra.tf", "main.tf"], exclude=lambda path: path == "extra.tf")   # named on the command line too
    assert (named.files_checked, named.findings) == (1, [])


# --- the stack config -----------------------------------------------------------------------

def test_stack_config_hosts(tmp_path, monkeypatch):
    from elbtls.validators import stackconfig

    calls = []

    def hosts(path, display):
        calls.append((path, display))
        return [HostBinding(host="app.example.com", target="aws_elb.app", where=Where(file=display, line=3))]

    monkeypatch.setattr(stackconfig, "hosts", hosts)
    (tmp_path / "elbtls.stacks.toml").write_text("[x]\n")
    result = load([str(tmp_path)])
    config = str(tmp_path / "elbtls.stacks.toml")
    assert calls == [(config, config)]
    assert result.project.hosts == [HostBinding(host="app.example.com", target="aws_elb.app",
                                                where=Where(file=config, line=3))]


def test_bad_stack_config_is_one_finding(tmp_path):
    (tmp_path / "elbtls.stacks.toml").write_text("this is = = not toml\n")
    (tmp_path / "binary" ).mkdir()
    (tmp_path / "binary" / "elbtls.stacks.toml").write_bytes(b"\x00\x01")
    result = load([str(tmp_path)])
    assert sorted((f.rule, os.path.relpath(f.file, tmp_path)) for f in result.findings) == [
        ("input-unreadable", "binary/elbtls.stacks.toml"), ("input-unreadable", "elbtls.stacks.toml")]


@pytest.mark.parametrize("text,detail", [("this is = = not toml\n", "invalid TOML ("),
                                         ("version = 1\n[[stacks]]\nname = 'x'\nregion = 'moon-1'\n",
                                          "invalid stack config:\n  stacks.0.region: ")])
def test_bad_stack_config_finding_names_the_file_once(tmp_path, text, detail):
    (tmp_path / "elbtls.stacks.toml").write_text(text)
    (found,) = load([str(tmp_path)]).findings
    assert (found.rule, found.file) == ("input-unreadable", str(tmp_path / "elbtls.stacks.toml"))
    assert found.message.startswith(detail), found.message
    assert "elbtls.stacks.toml" not in found.message


# --- many stacks ----------------------------------------------------------------------------

STACK = '''variable "env" {{
  default = "prod"
}}

resource "aws_acm_certificate" "c" {{
  domain_name       = "s{i}.${{var.env}}.example.com"
  validation_method = "DNS"
}}

resource "aws_elb" "web" {{
  name = "s{i}-${{var.env}}"
  listener {{
    lb_port            = 443
    lb_protocol        = "HTTPS"
    instance_port      = 80
    instance_protocol  = "HTTP"
    ssl_certificate_id = aws_acm_certificate.c.arn
  }}
}}
'''


def test_two_hundred_stacks_load(tmp_path):
    """A micro-check that many stacks load, each on its own (speed is for the benchmarks)."""
    for i in range(200):
        (tmp_path / f"s{i}").mkdir()
        (tmp_path / f"s{i}" / "main.tf").write_text(STACK.format(i=i))
    result = load([str(tmp_path)])
    assert result.files_checked == 200 and result.findings == []
    names = sorted(lb.name for lb in result.project.load_balancers)
    assert names == sorted(f"s{i}-prod" for i in range(200))
    assert all(lb.listeners[0].ssl_certificate_id == Ref(address="aws_acm_certificate.c", attribute="arn")
               for lb in result.project.load_balancers)


def test_paths_from_file_and_outside_modules_keep_the_arguments_form(tmp_path, monkeypatch):
    (tmp_path / "stack").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "stack" / "main.tf").write_text(
        'module "m" {\n  source = "../shared"\n}\n'
        'resource "aws_iam_server_certificate" "c" {\n  certificate_body = file("${path.module}/c.pem")\n}\n')
    (tmp_path / "stack" / "c.pem").write_text("PEM")
    (tmp_path / "shared" / "main.tf").write_text('resource "aws_elb" "shared" {}\n')
    monkeypatch.chdir(tmp_path / "stack")
    result = load(["."])
    assert result.project.certificates[0].body.origin.file == "./c.pem"
    assert result.project.load_balancers[0].where.file == "../shared/main.tf"
    monkeypatch.chdir(tmp_path)
    result = load(["./stack"])
    assert result.project.certificates[0].body.origin.file == "./stack/c.pem"
    assert result.project.load_balancers[0].where.file == "./shared/main.tf"
    assert result.project.load_balancers[0].address == "module.m.aws_elb.shared"


def test_per_resource_region_and_imported_certificates(tmp_path):
    (tmp_path / "main.tf").write_text('''
provider "aws" {
  region = "eu-west-1"
}
resource "aws_acm_certificate" "imported" {
  region           = "ap-southeast-2"
  certificate_body = "-----BEGIN CERTIFICATE-----"
}
''')
    (cert,) = load([str(tmp_path)]).project.certificates
    assert (cert.kind, cert.region, cert.provider) == ("acm-imported", "ap-southeast-2", "aws")
    assert cert.body.origin == Where(file=str(tmp_path / "main.tf"), line=7, resource="aws_acm_certificate.imported")
