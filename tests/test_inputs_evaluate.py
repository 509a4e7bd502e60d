"""Evaluation (validators/inputs/evaluate.py): what is resolved before plan, what becomes a
Ref, and what stays Unresolved with a reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elbtls.validators.findings import Where
from elbtls.validators.inputs.evaluate import ChildProblem, Scope
from elbtls.validators.inputs.functions import Sourced
from elbtls.validators.inputs.loader import Loader
from elbtls.validators.model import Ref, Unresolved


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def scope(root: Path, files: dict[str, str | bytes], *, max_file_bytes: int = 1_048_576) -> Scope:
    write(root, files)
    loader = Loader(max_file_bytes)
    return Scope(loader.module(str(root), "stack"), loader)


def local(s: Scope, name: str, refs: set | None = None):
    return s.eval(s.module.locals[name], refs)


def locals_of(tmp_path: Path, body: str, **extra: str) -> Scope:
    return scope(tmp_path, {"main.tf": "locals {\n" + body + "\n}\n", **extra})


def test_literals_templates_and_collections(tmp_path):
    s = locals_of(tmp_path, 'n = 443\ns = "a-${local.n}-${true}"\nt = [1, "x", { k = "v" }]\n'
                            'o = { a = { b = [10, 20] } }\ni = local.o.a.b[1]\nj = local.o["a"]["b"][0]\n'
                            'neg = -local.n\nsum = local.n + 1\ncmp = local.n >= 443 && !false\n')
    assert local(s, "s") == "a-443-true"
    assert local(s, "t") == [1, "x", {"k": "v"}]
    assert (local(s, "i"), local(s, "j")) == (20, 10)
    assert (local(s, "neg"), local(s, "sum"), local(s, "cmp")) == (-443, 444, True)


def test_heredocs_evaluate_with_interpolation(tmp_path):
    s = locals_of(tmp_path, 'name = "web"\nh = <<-EOT\n    server ${local.name}\n      indented\n    EOT\n')
    assert local(s, "h") == "server web\n  indented\n"


def test_variables_defaults_and_tfvars_precedence(tmp_path):
    s = scope(tmp_path, {
        "main.tf": 'locals {\n  all = [var.a, var.b, var.c, var.d, var.e]\n}\n',
        "variables.tf": 'variable "a" {\n  default = "default-a"\n}\nvariable "b" {\n  default = "default-b"\n}\n'
                        'variable "c" {\n  default = "default-c"\n}\nvariable "d" {\n  default = "default-d"\n}\n'
                        'variable "e" {}\n',
        "terraform.tfvars": 'b = "tfvars-b"\nc = "tfvars-c"\nd = "tfvars-d"\n',
        "terraform.tfvars.json": '{"c": "json-c", "d": "json-d"}',
        "a.auto.tfvars": 'd = "auto-a-d"\n',
        "z.auto.tfvars.json": '{"d": "auto-z-d"}',
    })
    a, b, c, d, e = local(s, "all")
    assert (a, b, c, d) == ("default-a", "tfvars-b", "json-c", "auto-z-d")
    assert e == Unresolved(expression="var.e", reason="the variable has no default and no value in terraform.tfvars "
                                                      "or the module call; it is set at plan")


def test_undeclared_variable_and_missing_local(tmp_path):
    s = locals_of(tmp_path, "a = var.nope\nb = local.nothing\n")
    assert local(s, "a").expression == "var.nope" and "no variable" in local(s, "a").reason
    assert local(s, "b").expression == "local.nothing"


def test_local_cycles_and_deep_chains_do_not_recurse_forever(tmp_path):
    chain = "\n".join(f"c{i} = local.c{i + 1}" for i in range(400)) + '\nc400 = "end"\n'
    s = locals_of(tmp_path, "a = local.b\nb = local.a\n" + chain)
    assert local(s, "a").reason == "the local value refers to itself"
    deep = local(s, "c0")
    assert isinstance(deep, Unresolved) and "too deeply" in deep.reason
    assert local(s, "c350") == "end"


@pytest.mark.parametrize("expr, value", [
    ('trimspace("  x \\n")', "x"),
    ('lower("AbC")', "abc"),
    ('upper("AbC")', "ABC"),
    ('format("%s-%d-%q-%%", "a", 7, "b")', 'a-7-"b"-%'),
    ('join(",", ["a", "b"], ["c"])', "a,b,c"),
    ('concat(local.nested...)', ["p", "q"]),
    ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
    ('tolist(["a"])', ["a"]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ('coalesce(null, "", "first")', "first"),
    ('lookup({ a = 1 }, "a", 0)', 1),
    ('lookup({ a = 1 }, "z", 0)', 0),
    ('true ? "yes" : local.never', "yes"),
    ('false ? local.never : "no"', "no"),
    ('"prod" == "prod" ? 1 : 2', 1),
])
def test_functions_and_conditionals(tmp_path, expr, value):
    s = locals_of(tmp_path, f'nested = [["p"], ["q"]]\nv = {expr}\n')
    assert local(s, "v") == value


@pytest.mark.parametrize("expr, reason", [
    ("length([1])", "the function length() is not evaluated before plan"),
    ('lookup({ a = 1 }, "z")', "the map has no key 'z' and lookup() has no default"),
    ('format("%x", 1)', "format() verb %x is not evaluated here"),
    ('join(",", [aws_x.y.id])', "an element is known only at plan"),
    ('"a-${[1]}"', "a list, object or null cannot be interpolated into text"),
    ("var.unset ? 1 : 2", "the variable has no default"),
])
def test_what_stays_unresolved(tmp_path, expr, reason):
    s = locals_of(tmp_path, f"v = {expr}\n", **{"v.tf": 'variable "unset" {}\n'})
    value = local(s, "v")
    assert isinstance(value, Unresolved)
    assert value.reason.startswith(reason)


def test_resource_references_become_refs(tmp_path):
    s = locals_of(tmp_path, 'a = aws_acm_certificate.web.arn\nb = "${aws_acm_certificate_validation.v.certificate_arn}"\n'
                            'c = aws_acm_certificate.many[0].arn\nd = data.aws_acm_certificate.found.arn\n'
                            'e = "arn-${aws_x.y.id}"\nf = aws_x.all[*].arn\ng = aws_x.y\n')
    assert local(s, "a") == Ref(address="aws_acm_certificate.web", attribute="arn")
    assert local(s, "b") == Ref(address="aws_acm_certificate_validation.v", attribute="certificate_arn")
    assert local(s, "c") == Ref(address="aws_acm_certificate.many", attribute="arn")
    assert local(s, "d") == Ref(address="data.aws_acm_certificate.found", attribute="arn")
    assert local(s, "e") == Unresolved(expression='"arn-${aws_x.y.id}"', reason="depends on aws_x.y.id, known only after apply")
    refs: set = set()
    assert isinstance(local(s, "f", refs), Unresolved)
    assert refs == {Ref(address="aws_x.all", attribute="arn")}
    assert local(s, "g") == Ref(address="aws_x.y", attribute="")


def test_refs_are_collected_through_locals_and_opaque_expressions(tmp_path):
    s = locals_of(tmp_path, 'arn = aws_acm_certificate.c.arn\n'
                            'v = { for o in aws_acm_certificate.c.domain_validation_options : o.domain_name => o }\n'
                            'w = length(aws_route53_record.r)\nx = upper(local.arn)\n'
                            'y = var.unknown ? aws_iam_server_certificate.a.arn : aws_acm_certificate.b.arn\n')
    for name, expected in [("v", {Ref(address="aws_acm_certificate.c", attribute="domain_validation_options")}),
                           ("w", {Ref(address="aws_route53_record.r", attribute="")}),
                           ("x", {Ref(address="aws_acm_certificate.c", attribute="arn")}),
                           ("y", {Ref(address="aws_iam_server_certificate.a", attribute="arn"),
                                  Ref(address="aws_acm_certificate.b", attribute="arn")})]:
        refs: set = set()
        assert isinstance(local(s, name, refs), Unresolved)
        assert refs == expected, name


def test_instance_and_iteration_values_are_unresolved(tmp_path):
    s = locals_of(tmp_path, "a = each.value.name\nb = count.index\nc = self.arn\nd = bare\n")
    for name in "abcd":
        assert isinstance(local(s, name), Unresolved)


def test_file_reads_relative_to_the_root_module_and_keeps_the_origin(tmp_path):
    s = locals_of(tmp_path, 'a = file("${path.module}/certs/c.pem")\nb = trimspace(file("certs/c.pem"))\n'
                            'c = file("certs/missing.pem")\nd = file("certs/big.pem")\n'
                            f'e = file("{tmp_path}/certs/c.pem")\n',
                  **{"certs/c.pem": "PEM TEXT\n", "certs/big.pem": "x" * 2000})
    s.loader.max_file_bytes = 1000
    a = local(s, "a")
    assert isinstance(a, Sourced) and a == "PEM TEXT\n" and a.origin == Where(file="stack/certs/c.pem")
    b = local(s, "b")
    assert b == "PEM TEXT" and b.origin == Where(file="stack/certs/c.pem")
    c = local(s, "c")
    assert isinstance(c, Unresolved) and c.expression == 'file("certs/missing.pem")'
    assert "stack/certs/missing.pem" in c.reason and "No such file" in c.reason
    d = local(s, "d")
    assert isinstance(d, Unresolved) and "over the 1000-byte limit" in d.reason
    assert local(s, "e").origin == Where(file=f"{tmp_path}/certs/c.pem")
    assert os.path.realpath(tmp_path / "certs" / "c.pem") in s.loader.file_reads


def test_path_values(tmp_path):
    s = locals_of(tmp_path, "m = path.module\nr = path.root\n")
    assert (local(s, "m"), local(s, "r")) == (".", ".")


def test_provider_regions(tmp_path):
    s = scope(tmp_path, {"main.tf": '''
variable "region" {
  default = "eu-west-1"
}
provider "aws" {
  region = var.region
}
provider "aws" {
  alias = "use1"
  region = "us-east-1"
}
provider "aws" {
  alias = "env"
}
resource "aws_elb" "default" {}
resource "aws_elb" "east" {
  provider = aws.use1
}
resource "aws_elb" "env" {
  provider = aws.env
}
resource "aws_elb" "ghost" {
  provider = aws.nowhere
}
'''})
    by_name = {b.labels[1]: s.provider_of(b) for b in s.module.resources}
    assert (by_name["default"].key, by_name["default"].region) == ("aws", "eu-west-1")
    assert (by_name["east"].key, by_name["east"].region) == ("aws.use1", "us-east-1")
    assert by_name["env"].key == "aws.env" and isinstance(by_name["env"].region, Unresolved)
    assert "AWS_REGION" in by_name["env"].region.reason
    assert by_name["ghost"].key == "aws.nowhere" and "no provider configuration" in by_name["ghost"].region.reason


def test_no_provider_block_means_the_region_comes_from_the_environment(tmp_path):
    s = scope(tmp_path, {"main.tf": 'resource "aws_elb" "a" {}\n'})
    conf = s.provider_of(s.module.resources[0])
    assert conf.key == "aws" and isinstance(conf.region, Unresolved) and "AWS_REGION" in conf.region.reason


def test_module_calls_pass_inputs_outputs_and_providers(tmp_path):
    s = scope(tmp_path, {
        "main.tf": '''
provider "aws" {
  region = "eu-west-1"
}
provider "aws" {
  alias  = "use1"
  region = "us-east-1"
}
module "cert" {
  source    = "./modules/cert"
  providers = { aws = aws.use1 }
  domain    = "app.${local.zone}"
}
module "plain" {
  source = "./modules/cert"
}
locals {
  zone   = "example.com"
  arn    = module.cert.arn
  domain = module.cert.domain
  path   = module.cert.where
}
''',
        "modules/cert/main.tf": '''
variable "domain" {
  default = "default.example.com"
}
resource "aws_acm_certificate" "this" {
  domain_name = var.domain
}
output "arn" {
  value = aws_acm_certificate.this.arn
}
output "domain" {
  value = var.domain
}
output "where" {
  value = path.module
}
''',
    })
    assert local(s, "arn") == Ref(address="module.cert.aws_acm_certificate.this", attribute="arn")
    assert local(s, "domain") == "app.example.com"
    assert local(s, "path") == "modules/cert"
    child = s.child("cert")
    assert child.prefix == "module.cert."
    assert child.provider_of(child.module.resources[0]).region == "us-east-1"
    plain = s.child("plain")
    assert plain.provider_of(plain.module.resources[0]).region == "eu-west-1"   # the default is inherited
    assert plain.eval(plain.module.outputs["domain"]) == "default.example.com"
    assert child.module is plain.module                                        # parsed once


def test_module_problems(tmp_path):
    s = scope(tmp_path, {
        "main.tf": 'module "remote" {\n  source = "terraform-aws-modules/acm/aws"\n}\n'
                   'module "gone" {\n  source = "./nope"\n}\nmodule "loop" {\n  source = "./a"\n}\n',
        "a/main.tf": 'module "back" {\n  source = "../"\n}\n',
    })
    remote, gone = s.child("remote"), s.child("gone")
    assert isinstance(remote, ChildProblem) and remote.slug == "value-unresolved"
    assert "terraform-aws-modules/acm/aws" in remote.message
    assert isinstance(gone, ChildProblem) and gone.slug == "input-unreadable" and "./nope" in gone.message
    back = s.child("loop").child("back")
    assert isinstance(back, ChildProblem) and back.slug == "input-unreadable" and "cycle" in back.message
