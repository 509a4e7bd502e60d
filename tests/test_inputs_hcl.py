"""HCL parsing (validators/inputs/hcl.py): the block tree, templates, heredocs, suppression
comments and syntax errors."""

from __future__ import annotations

import pytest

from elbtls.validators.inputs import hcl
from elbtls.validators.inputs.tree import (
    SPLAT, Call, Conditional, InputError, Lit, ObjectExpr, Opaque, Operation, Suppression, Template, TupleExpr,
    Traversal,
)


def attrs(text: str) -> dict:
    top, _ = hcl.parse(text, "t.tf")
    return top.attrs


def test_blocks_labels_and_lines():
    top, _ = hcl.parse('\nresource "aws_elb" "web" {\n  name = "x"\n\n  listener {\n    lb_port = 443\n  }\n}\n',
                       "dir/main.tf")
    (elb,) = top.blocks
    assert (elb.type, elb.labels, elb.file, elb.line, elb.last_line) == ("resource", ("aws_elb", "web"),
                                                                         "dir/main.tf", 2, 8)
    assert elb.attrs["name"] == Lit("x", '"x"', 3)
    (listener,) = elb.children("listener")
    assert (listener.line, listener.last_line, listener.attrs["lb_port"].value) == (5, 7, 443)


def test_literals():
    a = attrs('n = 443\nf = 1.5e3\nneg = -1\nt = true\nz = null\ns = "plain"\n')
    assert a["n"].value == 443 and isinstance(a["n"].value, int)
    assert a["f"].value == 1500.0
    assert a["neg"] == Operation("-", (Lit(1, "1", 3),), "-1", 3)
    assert (a["t"].value, a["z"].value, a["s"].value) == (True, None, "plain")


def test_quoted_template_escapes_and_interpolation():
    a = attrs(r'a = "q\"x\\y\n$${z} %%{w} \u00e9  two  spaces"' + "\n" + 'b = "x-${var.region}-y"\nc = "${aws_x.y.arn}"\n')
    assert a["a"].value == 'q"x\\y\n${z} %{w} é  two  spaces'
    b = a["b"]
    assert isinstance(b, Template)
    assert b.parts == ("x-", Traversal("var", ("region",), "var.region", 2), "-y")
    assert a["c"].parts == (Traversal("aws_x", ("y", "arn"), "aws_x.y.arn", 3),)


def test_leading_whitespace_in_templates_is_kept():
    a = attrs('a = "  lead ${x}  trail  "\n')
    assert a["a"].parts[0] == "  lead " and a["a"].parts[2] == "  trail  "


def test_heredoc_keeps_text_verbatim():
    a = attrs('c = <<EOT\n  raw \\n $${x}\n    indented\nEOT\n')
    assert a["c"].value == "  raw \\n ${x}\n    indented\n"


def test_flush_heredoc_strips_common_indentation():
    a = attrs('d = <<-EOT\n    hello\n\n      world ${local.a}  tail\n    EOT\n')
    assert a["d"].parts == ("hello\n\n  world ", Traversal("local", ("a",), "local.a", 4), "  tail\n")


def test_traversals_indexes_and_splats():
    a = attrs('a = aws_x.y[0].z\nb = local.m["k"]\nc = aws_x.y[*].arn\nd = x.0.y\n')
    assert a["a"].steps == ("y", Lit(0, "0", 1), "z")
    assert a["b"].steps == ("m", Lit("k", '"k"', 2))
    assert a["c"].steps == ("y", SPLAT, "arn")
    assert a["d"].steps == (Lit(0, ".0", 4), "y")


def test_calls_conditionals_operations_collections():
    a = attrs('f = join(",", var.l...)\nc = var.x == "a" ? 1 : 2\nt = [1, "b"]\n'
              'o = {name = "n", "quoted" = 2, (var.k) = 3}\n')
    assert isinstance(a["f"], Call) and a["f"].name == "join" and a["f"].expand
    c = a["c"]
    assert isinstance(c, Conditional) and isinstance(c.cond, Operation) and c.cond.op == "=="
    assert isinstance(a["t"], TupleExpr) and [i.value for i in a["t"].items] == [1, "b"]
    o = a["o"]
    assert isinstance(o, ObjectExpr)
    keys = [k for k, _ in o.items]
    assert keys[0] == Lit("name", "name", 4) and keys[1].value == "quoted"
    assert keys[2] == Traversal("var", ("k",), "var.k", 4)  # a parenthesised key is evaluated


def test_for_expression_is_opaque_with_its_bound_names():
    a = attrs('v = { for dvo in aws_acm_certificate.c.domain_validation_options : dvo.domain_name => dvo }\n')
    v = a["v"]
    assert isinstance(v, Opaque) and v.bound == frozenset({"dvo"})
    assert Traversal("aws_acm_certificate", ("c", "domain_validation_options"),
                     "aws_acm_certificate.c.domain_validation_options", 1) in v.children


def test_template_directive_is_opaque():
    a = attrs('v = "a%{ if var.on }b%{ endif }"\n')
    assert isinstance(a["v"].parts[1], Opaque)
    assert a["v"].parts[1].children == (Traversal("var", ("on",), "var.on", 1),)


def test_suppression_comments():
    text = ('# elbtls:ignore=cert-expired accepted until renewal\n'
            'resource "aws_elb" "web" {\n'
            '  // elbtls:ignore=ssl-policy-outdated,lb-name-invalid legacy clients\n'
            '  name = "# elbtls:ignore=inside-a-string no"\n'
            '  /* elbtls:ignore=listener-port-invalid block comment */\n'
            '  x = <<EOT\n# elbtls:ignore=inside-heredoc no\nEOT\n'
            '}\n'
            '# elbtls:ignore=missing-san\n')
    _, found = hcl.parse(text, "m.tf")
    assert found == [
        Suppression("m.tf", 1, "cert-expired", "accepted until renewal"),
        Suppression("m.tf", 3, "ssl-policy-outdated", "legacy clients"),
        Suppression("m.tf", 3, "lb-name-invalid", "legacy clients"),
        Suppression("m.tf", 5, "listener-port-invalid", "block comment"),
        Suppression("m.tf", 10, "missing-san", ""),
    ]


@pytest.mark.parametrize("text, line", [
    ('resource "a" "b" {\n  x = 1\n', 1),              # an unclosed block: where it opens
    ('a = 1\n\nresource "x" "y" {\n  a = [1, 2\n}\n', 4),  # an unclosed tuple inside a block
    ('a = "unterminated\nb = 1\n', 1),
    ('a = 1\nb = = 2\nc = 3\n', 2),
    ('a = 1\nb = {\nc = 3\n', 2),
    ('a = 1\nfoo bar baz\n', 2),
])
def test_syntax_error_names_the_line_of_the_first_error(text, line):
    with pytest.raises(InputError) as e:
        hcl.parse(text, "bad.tf")
    assert e.value.line == line
    assert f"line {line}" in e.value.message


def test_syntax_error_message_does_not_quote_the_source():
    with pytest.raises(InputError) as e:
        hcl.parse('a = 1\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC ~~ !!\n', "bad.tf")
    assert "MIIEv" not in e.value.message


@pytest.mark.parametrize("depth", [150, 5000])
def test_deep_nesting_is_an_input_error_not_a_recursion_error(depth):
    with pytest.raises(InputError):
        hcl.parse("a = " + "[" * depth + "]" * depth + "\n", "deep.tf")


def test_deep_block_nesting_is_an_input_error():
    text = "".join(f"b{i} {{\n" for i in range(150)) + "}\n" * 150
    with pytest.raises(InputError):
        hcl.parse(text, "deep.tf")


def test_duplicate_attribute_is_an_input_error():
    with pytest.raises(InputError) as e:
        hcl.parse('r "a" "b" {\n  x = 1\n  x = 2\n}\n', "dup.tf")
    assert e.value.line == 3 and "'x'" in e.value.message


def test_empty_file_is_valid():
    top, found = hcl.parse("", "empty.tf")
    assert (top.attrs, top.blocks, found) == ({}, [], [])


def test_json_string_templates():
    assert hcl.parse_template("plain $${x}", 4, "c.json") == Lit("plain ${x}", "plain $${x}", 4)
    t = hcl.parse_template("arn:${aws_x.y.arn}\nnext", 7, "c.json")
    assert t.parts == ("arn:", Traversal("aws_x", ("y", "arn"), "aws_x.y.arn", 7), "\nnext")
    only = hcl.parse_template("${aws_x.y.arn}", 7, "c.json")
    assert only.parts == (Traversal("aws_x", ("y", "arn"), "aws_x.y.arn", 7),)
    loop = hcl.parse_template("${{for k, v in tolist(aws_acm_certificate.c.domain_validation_options): k => v}}",
                              9, "c.json")
    assert isinstance(loop.parts[0], Opaque) and loop.parts[0].bound == frozenset({"k", "v"})
    assert hcl.parse_template("has ELBTLS_EOT\nELBTLS_EOT\n${x}", 1, "c.json").parts[-1].root == "x"
    with pytest.raises(InputError):
        hcl.parse_template("${unclosed", 3, "c.json")
