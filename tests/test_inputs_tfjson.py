"""Terraform JSON (validators/inputs/tfjson.py): cdktf's cdk.tf.json into the same block
tree as HCL, and refused JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elbtls.validators.inputs import tfjson
from elbtls.validators.inputs.tree import InputError, Lit, ObjectExpr, Opaque, Template, TupleExpr, Traversal

CDK = Path(__file__).parent / "fixtures" / "tf" / "cdktf_app" / "cdktf.out" / "stacks" / "web" / "cdk.tf.json"


def blocks(top, kind):
    return {b.labels: b for b in top.blocks if b.type == kind}


def test_cdktf_synth_output():
    top = tfjson.parse(CDK.read_text(), "cdk.tf.json")
    providers = [b for b in top.blocks if b.type == "provider"]
    assert [(b.labels, sorted(b.attrs)) for b in providers] == [(("aws",), ["region"]), (("aws",), ["alias", "region"])]
    assert providers[1].attrs["region"].parts == (Traversal("var", ("cert_region",), "var.cert_region", 11),)

    resources = blocks(top, "resource")
    cert = resources[("aws_acm_certificate", "cert")]
    assert "//" not in cert.attrs                          # cdktf metadata is dropped
    assert cert.attrs["provider"] == Traversal("aws", ("use1",), "aws.use1", 33)
    (lifecycle,) = cert.children("lifecycle")
    assert lifecycle.attrs["create_before_destroy"].value is True
    assert isinstance(cert.attrs["subject_alternative_names"], TupleExpr)

    elb = resources[("aws_elb", "web")]
    assert (elb.line, elb.last_line) == (52, 78)            # the resource's key in the file
    listeners = elb.children("listener")
    assert [b.attrs["lb_port"].value for b in listeners] == [443, 80]
    assert listeners[0].attrs["ssl_certificate_id"].parts == (
        Traversal("aws_acm_certificate", ("cert", "arn"), "aws_acm_certificate.cert.arn", 52),)
    assert isinstance(elb.attrs["name"], Template)

    record = resources[("aws_route53_record", "cert_validation")]
    assert isinstance(record.attrs["for_each"].parts[0], Opaque)
    www = resources[("aws_route53_record", "www")]
    (alias,) = www.children("alias")
    assert alias.attrs["name"].parts[0].text == "aws_elb.web.dns_name"
    assert www.attrs["depends_on"].items == (Traversal("aws_acm_certificate", ("cert",), "aws_acm_certificate.cert", 105),)

    variables = blocks(top, "variable")
    assert variables[("env",)].attrs["default"].value == "prod"


def test_sections_in_every_shape():
    doc = {
        "locals": [{"a": "x"}, {"b": 1}],
        "module": {"m": {"source": "./m", "providers": {"aws": "aws.use1"}, "n": "${local.a}"}},
        "output": {"o": {"value": "${module.m.arn}"}},
        "data": {"aws_region": {"current": {}}},
        "resource": {"aws_elb": {"a": [{"name": "one"}]},
                     "aws_lb_ssl_negotiation_policy": {"p": {"attribute": [{"name": "n", "value": "v"}],
                                                             "tags": {"k": "v"}}}},
        "terraform": {"required_version": ">= 1.5"},
    }
    top = tfjson.parse(json.dumps(doc, indent=2), "x.tf.json")
    assert [b.type for b in top.blocks] == ["locals", "locals", "module", "output", "data", "resource", "resource"]
    module = blocks(top, "module")[("m",)]
    providers = module.attrs["providers"]
    assert isinstance(providers, ObjectExpr) and providers.items[0][1] == Lit("aws.use1", "aws.use1", module.line)
    policy = blocks(top, "resource")[("aws_lb_ssl_negotiation_policy", "p")]
    assert [b.attrs["name"].value for b in policy.children("attribute")] == ["n"]
    assert isinstance(policy.attrs["tags"], ObjectExpr)     # an object-valued attribute stays one


def test_dynamic_blocks():
    doc = {"resource": {"aws_elb": {"w": {"dynamic": {"listener": {"for_each": "${var.l}",
                                                                   "content": {"lb_port": "${listener.value}"}}}}}}}
    top = tfjson.parse(json.dumps(doc), "d.tf.json")
    (elb,) = top.blocks
    (dynamic,) = elb.children("dynamic")
    assert dynamic.labels == ("listener",)
    (content,) = dynamic.children("content")
    assert content.attrs["lb_port"].parts[0].root == "listener"


def test_tfvars_json_values_are_literal():
    top = tfjson.parse_values('{\n  "region": "eu-west-1",\n  "weird": "${not.a.template}",\n  "n": [1, 2]\n}', "v.json")
    assert top.attrs["region"] == Lit("eu-west-1", '"eu-west-1"', 1)
    assert top.attrs["weird"].value == "${not.a.template}"
    assert [i.value for i in top.attrs["n"].items] == [1, 2]


@pytest.mark.parametrize("text, line, words", [
    ("", 1, "invalid JSON"),
    ('{\n  "resource": {\n    "aws_elb": {,}\n  }\n}', 3, "invalid JSON at line 3"),
    ("[1, 2]", 1, "must be an object"),
    ('{"resource": []}', 1, '"resource" must be a JSON object'),
    ('{"variable": {"x": "string"}}', 1, 'variable "x" must be a JSON object'),
    ('{"resource": {"aws_elb": {"w": {"name": "${unclosed"}}}}', 1, "invalid template"),
])
def test_refused_json(text, line, words):
    with pytest.raises(InputError) as e:
        tfjson.parse(text, "bad.tf.json")
    assert words in e.value.message
    assert e.value.line == line


def test_deep_json_is_an_input_error_not_a_recursion_error():
    with pytest.raises(InputError):
        tfjson.parse('{"locals": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}", "deep.tf.json")
    with pytest.raises(InputError):  # deep enough for our tree, shallow enough for json
        tfjson.parse('{"locals": {"a": ' + "[" * 200 + "]" * 200 + "}}", "deep.tf.json")
