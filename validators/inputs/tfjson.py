"""Terraform JSON syntax (`*.tf.json`, cdktf's `cdk.tf.json`) to the same block tree as HCL.

In JSON every string is a template (`"${aws_acm_certificate.web.arn}"`); hcl.parse_template
turns it into the HCL expression form. Which keys of a resource body are nested blocks
rather than object-valued attributes depends on the provider schema; NESTED_BLOCKS lists the
ones the extractor reads (plus the meta blocks). cdktf's `"//"` metadata keys are skipped.
Line numbers come from a cheap scan of the text for the keys down to resource level.
"""

from __future__ import annotations

import json
import re

from . import hcl
from .tree import MAX_DEPTH, Block, InputError, Lit, ObjectExpr, TupleExpr

NESTED_BLOCKS = frozenset({"listener", "lifecycle", "options", "alias", "policy_attribute", "attribute",
                           "content"})
_EXPRESSION_KEYS = frozenset({"provider", "depends_on"})  # strings that are references, not templates
_LABELLED = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1}


def parse(text: str, display: str) -> Block:
    """A whole file as a Block of type "" (see tree.Block). Raises InputError."""
    doc = _decode(text)
    return _Converter(display, _key_spans(text)).file(doc, text.count("\n") + 1)


def parse_values(text: str, display: str) -> Block:
    """`*.tfvars.json`: variable values, literal (no templates), as the attributes of a Block."""
    doc = _decode(text)
    conv = _Converter(display, _key_spans(text))
    top = Block("", (), display, 1, text.count("\n") + 1)
    for name, value in doc.items():
        top.attrs[name] = conv.value(value, conv.span(name)[0], 1, literal=True)
    return top


def _decode(text: str) -> dict:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}", e.lineno) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read") from None
    except ValueError as e:  # e.g. an integer over Python's digit limit
        raise InputError(f"unreadable JSON value: {e}") from None
    if not isinstance(doc, dict):
        raise InputError("Terraform JSON must be an object at the top level", 1)
    try:  # a lone surrogate (`"\ud800"`) decodes, but is no text anything can print
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("a string holds a \\u escape that is not a Unicode character (a lone surrogate)") from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read") from None
    return doc


def _key_spans(text: str) -> dict[tuple, tuple[int, int]]:
    """(None, "resource", "aws_elb", "web") -> (first line, last line) for the objects and
    arrays down to depth 4; `None` stands for the top level and for array levels."""
    spans: dict[tuple, tuple[int, int]] = {}
    path: tuple = ()
    firsts: list[int] = []
    pending: tuple | None = None
    line, pos = 1, 0
    for m in _TOKENS.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        tok = m.group()
        if m.group(2) is not None:
            pending = (m.group(1), line)
        elif tok == "{" or tok == "[":
            key, first = pending or (None, line)
            path += (key,)
            firsts.append(first)
            pending = None
        elif tok == "}" or tok == "]":
            if firsts:
                first = firsts.pop()
                if len(path) <= 4:
                    spans[path] = (first, line)
                path = path[:-1]
        else:
            pending = None
    return spans


_TOKENS = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?|[{}\[\]]')


class _Converter:
    def __init__(self, display: str, spans: dict):
        self.display, self.spans = display, spans

    def span(self, *path: str, default: int = 1) -> tuple[int, int]:
        return self.spans.get((None, *path), (default, default))

    def file(self, doc: dict, last_line: int) -> Block:
        top = Block("", (), self.display, 1, last_line)
        for section, content in doc.items():
            if section == "locals":
                for i, part in enumerate(content if isinstance(content, list) else [content]):
                    first, last = self.span("locals")
                    block = Block("locals", (), self.display, first, last)
                    self.fill(block, self.obj(part, '"locals"', first), 0, plain=True)
                    top.blocks.append(block)
            elif section in _LABELLED:
                self.labelled(top, section, content, _LABELLED[section])
        return top

    def labelled(self, top: Block, kind: str, content, depth: int, labels: tuple = ()) -> None:
        """`{"aws_elb": {"web": {...}}}` (depth 2) or `{"web": {...}}` (depth 1) into blocks;
        a list of bodies (`"aws": [{...}, {...}]`) gives one block per body."""
        first, _ = self.span(kind, *labels)
        for name, value in self.obj(content, f'"{kind}"', first).items():
            if name == "//":
                continue
            if depth > 1:
                self.labelled(top, kind, value, depth - 1, labels + (name,))
                continue
            line, last = self.span(kind, *labels, name, default=first)
            for body in value if isinstance(value, list) else [value]:
                block = Block(kind, labels + (name,), self.display, line, last)
                self.fill(block, self.obj(body, f'{kind} "{".".join(labels + (name,))}"', line), 0,
                          plain=kind in ("variable", "output"))
                top.blocks.append(block)

    def obj(self, value, what: str, line: int) -> dict:
        if not isinstance(value, dict):
            raise InputError(f"{what} must be a JSON object (line {line})", line)
        return value

    def fill(self, block: Block, body: dict, depth: int, plain: bool = False) -> None:
        """Attributes and nested blocks of one body. `plain` bodies (locals, variables,
        outputs) have no nested blocks."""
        if depth > MAX_DEPTH:
            raise InputError(f"blocks nested more than {MAX_DEPTH} deep", block.line)
        for key, value in body.items():
            if key == "//":
                continue
            if not plain and key == "dynamic" and isinstance(value, dict):
                for label, content in value.items():
                    for part in content if isinstance(content, list) else [content]:
                        self.nested(block, "dynamic", (label,), part, depth)
            elif not plain and key in NESTED_BLOCKS and _is_bodies(value):
                for part in value if isinstance(value, list) else [value]:
                    self.nested(block, key, (), part, depth)
            elif not plain and key in _EXPRESSION_KEYS:
                block.attrs[key] = self.reference(value, block.line, depth)
            else:
                block.attrs[key] = self.value(value, block.line, depth + 1)

    def nested(self, parent: Block, kind: str, labels: tuple, body, depth: int) -> None:
        child = Block(kind, labels, self.display, parent.line, parent.last_line)
        self.fill(child, self.obj(body, f'"{kind}" block', parent.line), depth + 1)
        parent.blocks.append(child)

    def reference(self, value, line: int, depth: int):
        """`"provider": "aws.use1"`, `"depends_on": ["aws_x.y"]`: the string is an expression."""
        if isinstance(value, str):
            expr = hcl.parse_template("${" + value + "}", line, self.display)
            return expr.parts[0] if len(getattr(expr, "parts", ())) == 1 else expr
        if isinstance(value, list):
            return TupleExpr(tuple(self.reference(v, line, depth) for v in value), "[...]", line)
        return self.value(value, line, depth + 1)

    def value(self, v, line: int, depth: int, literal: bool = False):
        if depth > MAX_DEPTH:
            raise InputError(f"value nested more than {MAX_DEPTH} deep near line {line}", line)
        if isinstance(v, str) and not literal:
            return hcl.parse_template(v, line, self.display)
        if isinstance(v, list):
            return TupleExpr(tuple(self.value(x, line, depth + 1, literal) for x in v), "[...]", line)
        if isinstance(v, dict):
            items = tuple((Lit(k, json.dumps(k), line), self.value(x, line, depth + 1, literal))
                          for k, x in v.items() if k != "//")
            return ObjectExpr(items, "{...}", line)
        return Lit(v, json.dumps(v), line)


def _is_bodies(value) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and all(isinstance(x, dict) for x in value))
