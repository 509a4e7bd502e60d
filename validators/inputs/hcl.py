"""HCL (`*.tf`, `*.tfvars`) to the block tree, with tree-sitter-hcl.

tree-sitter is a C parser: a 40-line file parses and converts in about 0.3 ms, and a syntax
error is an ERROR/MISSING node rather than an exception, so the first one gives the line to
report. Template text is cut from the source bytes between interpolations (the
grammar drops leading whitespace from its literal tokens), then unescaped.
"""

from __future__ import annotations

import re

from .tree import (
    MAX_DEPTH, SPLAT, Block, Call, Conditional, InputError, Lit, ObjectExpr, Opaque, Operation,
    Suppression, Template, TupleExpr, Traversal,
)

_parser = None
_comments = None


def _tools():
    """The parser and the comment query, built once (importing the grammar is lazy)."""
    global _parser, _comments
    if _parser is None:
        import tree_sitter_hcl
        from tree_sitter import Language, Parser, Query

        language = Language(tree_sitter_hcl.language())
        _parser, _comments = Parser(language), Query(language, "(comment) @c")
    return _parser, _comments


def parse(text: str, display: str) -> tuple[Block, list[Suppression]]:
    """A whole file as a Block of type "" plus its `elbtls:ignore` comments.
    Raises InputError for a syntax error or nesting deeper than MAX_DEPTH."""
    parser, _ = _tools()
    src = text.encode("utf-8")
    tree = parser.parse(src)
    root = tree.root_node
    if root.has_error:
        raise _syntax_error(root)
    top = Block("", (), display, 1, root.end_point[0] + 1)
    conv = _Converter(src, display, 1)
    for child in root.children:
        if child.type == "body":
            conv.body(child, top, 0)
    return top, _suppressions(root, src, display)


def parse_template(text: str, line: int, display: str):
    """A Terraform-JSON string as an expression: parsed as the body of an HCL heredoc, which
    has exactly the template syntax of JSON strings (`${...}`, `%{...}`, `$${` escapes) and
    no backslash escapes of its own. `line` is where the string sits in the JSON file."""
    if "${" not in text and "%{" not in text:  # (an escaped `$${` contains "${" too)
        return Lit(text, text, line)
    tag = "ELBTLS_EOT"
    while tag in text:
        tag += "_"
    src = f"x = <<{tag}\n{text}\n{tag}\n".encode("utf-8")
    parser, _ = _tools()
    root = parser.parse(src).root_node
    try:
        heredoc = root.children[0].children[0].children[2].children[0].children[0]
    except IndexError:
        heredoc = None
    if root.has_error or heredoc is None or heredoc.type != "heredoc_template":
        raise InputError(f"invalid template expression in a string at line {line}", line)
    conv = _Converter(src, display, line - 1)
    expr = conv.template(heredoc, 0)
    parts = list(expr.parts) if isinstance(expr, Template) else [expr.value]
    if parts and isinstance(parts[-1], str):  # drop the newline that closes the heredoc
        parts[-1] = parts[-1][:-1]
        if not parts[-1]:
            parts.pop()
    if len(parts) == 1 and isinstance(parts[0], str):
        return Lit(parts[0], text, line)
    return Template(tuple(parts), text, line)


_CLOSERS = {"block_end": "}", "}": "}", "object_end": "}", "tuple_end": "]", "]": "]", ")": ")",
            "quoted_template_end": 'a closing "', "heredoc_identifier": "the heredoc's end marker"}
_STATEMENTS = ("attribute", "block", "comment")


def _syntax_error(root) -> InputError:
    """The first error in the file: an ERROR node (skipped input) or a MISSING one (a token
    tree-sitter had to invent). A missing closer is reported where its construct starts,
    which is where the user has to look; the source text is never quoted (it could be part
    of a private key)."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            anchor = node
            while anchor.parent is not None and anchor.parent.start_byte == node.start_byte:
                anchor = anchor.parent
            anchor = anchor.parent or anchor
            found.append((anchor.start_byte, anchor, node.type))
        elif node.is_error:
            # Whole statements before the trouble are skipped over: point at the first piece
            # of the error that is not one.
            first = next((c for c in node.children if c.type not in _STATEMENTS), node)
            found.append((first.start_byte, first, None))
        else:
            stack.extend(c for c in node.children if c.has_error or c.is_missing)
    _, node, missing = min(found, key=lambda f: f[0]) if found else (0, root, None)
    line, col = node.start_point[0] + 1, node.start_point[1] + 1
    if missing in _CLOSERS:
        return InputError(f"HCL syntax error at line {line}, column {col}: not closed "
                          f"({_CLOSERS[missing]} is missing)", line)
    return InputError(f"HCL syntax error at line {line}, column {col}: unexpected input", line)


_IGNORE = re.compile(r"elbtls:ignore=([A-Za-z0-9_,-]+)[ \t]*(.*)")


def _suppressions(root, src: bytes, display: str) -> list[Suppression]:
    if b"elbtls:ignore=" not in src:
        return []  # no comment can hold one: the query would find nothing
    from tree_sitter import QueryCursor

    _, query = _tools()
    found = []
    for node in sorted(QueryCursor(query).captures(root).get("c", []), key=lambda n: n.start_byte):
        text = src[node.start_byte:node.end_byte].decode("utf-8")
        body = text[2:-2] if text.startswith("/*") else text.lstrip("#/")
        m = _IGNORE.match(body.strip())
        if m:
            reason = m.group(2).strip()
            for slug in filter(None, m.group(1).split(",")):
                found.append(Suppression(display, node.start_point[0] + 1, slug, reason))
    return found


_ESCAPE = re.compile(r'\\(?:[nrt"\\]|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})|\$\$\{|%%\{')
_SIMPLE_ESCAPES = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\\\": "\\", "$${": "${", "%%{": "%{"}


def _unescape(raw: str) -> str:
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw  # nothing _ESCAPE could match
    def one(m: re.Match) -> str:
        s = m.group()
        if s in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[s]
        code = int(s[2:], 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise InputError(f"the escape {s} is not a Unicode character; fix the string")
        return chr(code)
    return _ESCAPE.sub(one, raw)


_BINARY = {"*", "/", "%", "+", "-", ">", ">=", "<", "<=", "==", "!=", "&&", "||"}
_SKIP = {"comment", "(", ")", ",", "=", ":"}


class _Converter:
    """CST nodes to tree objects. Recursion is bounded by MAX_DEPTH (checked in `expr` and
    `body`), well under Python's own limit."""

    def __init__(self, src: bytes, display: str, line_offset: int):
        self.src, self.display, self.offset = src, display, line_offset

    def text(self, node) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8")

    def line(self, node) -> int:
        return node.start_point[0] + self.offset

    def body(self, node, into: Block, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise InputError(f"blocks nested more than {MAX_DEPTH} deep at line {self.line(node)}", self.line(node))
        lines: dict[str, int] = {}
        for child in node.children:
            kind = child.type
            if kind == "attribute":
                kids = child.children
                name, line = self.text(kids[0]), self.line(child)
                if name in into.attrs:
                    raise InputError(f"attribute {name!r} is defined twice (lines {lines[name]} and "
                                     f"{line}); keep one", line)
                lines[name] = line
                into.attrs[name] = self.expr(kids[2], depth + 1)
            elif kind == "block":
                into.blocks.append(self.block(child, depth + 1))

    def block(self, node, depth: int) -> Block:
        kids = node.children
        labels = tuple(_unescape(self.text(k)[1:-1]) if k.type == "string_lit" else self.text(k)
                       for k in kids[1:] if k.type in ("string_lit", "identifier"))
        block = Block(self.text(kids[0]), labels, self.display, self.line(node), node.end_point[0] + self.offset)
        for k in kids:
            if k.type == "body":
                self.body(k, block, depth)
        return block

    def expr(self, node, depth: int):
        """An `expression` node (or any term node) to a tree expression."""
        if depth > MAX_DEPTH:
            raise InputError(f"expression nested more than {MAX_DEPTH} deep at line {self.line(node)}", self.line(node))
        if node.type != "expression":
            return self.term(node, depth)
        kids = node.children
        if len(kids) == 1:   # a lone term (the common case): what sequence would return
            return self.term(kids[0], depth + 1)
        return self.sequence([k for k in kids if k.type != "comment"], node, depth)

    def sequence(self, kids: list, whole, depth: int):
        """A term followed by postfix steps (get_attr, index, splat), as tree-sitter lays
        them out side by side inside expression and operation nodes."""
        if kids[0].type == "(":
            base, rest = self.expr(kids[1], depth + 1), kids[3:]
        else:
            base, rest = self.term(kids[0], depth + 1), kids[1:]
        if not rest:
            return base
        text, line = self.text_span(kids), self.line(kids[0])
        steps = self.steps(rest, depth)
        if isinstance(base, Traversal) and not base.steps:
            return Traversal(base.root, tuple(steps), text, line)
        indexes = tuple(s for s in steps if not isinstance(s, str))
        return Opaque((base, *indexes), "indexing a computed value", text, line)

    def text_span(self, kids: list) -> str:
        return self.src[kids[0].start_byte:kids[-1].end_byte].decode("utf-8")

    def steps(self, nodes: list, depth: int) -> list:
        out: list = []
        for n in nodes:
            if n.type == "get_attr":
                out.append(self.text(n.children[-1]))
            elif n.type == "index":
                inner = n.children[0]
                if inner.type == "legacy_index":
                    out.append(Lit(int(self.text(inner)[1:]), self.text(inner), self.line(inner)))
                else:
                    out.append(self.expr(inner.children[1], depth + 1))
            elif n.type == "splat":
                out.append(SPLAT)
                out.extend(self.steps(n.children[0].children[1:], depth))
        return out

    def term(self, node, depth: int):
        t = node.type
        if t == "expression":
            return self.expr(node, depth + 1)
        if t == "template_expr":
            return self.template(node.children[0], depth)
        if t == "collection_value":
            return self.collection(node.children[0], depth)
        if t == "operation":
            return self.operation(node.children[0], depth)
        if t == "for_expr":
            return self.for_expr(node.children[0], depth)
        text, line = self.text(node), self.line(node)
        if t == "literal_value":
            return self.literal(node.children[0], text, line)
        if t == "variable_expr":
            return Traversal(text, (), text, line)
        if t == "function_call":
            args, expand = [], False
            for k in node.children:
                if k.type == "function_arguments":
                    for a in k.children:
                        if a.type == "expression":
                            args.append(self.expr(a, depth + 1))
                        elif a.type == "ellipsis":
                            expand = True
            return Call(self.text(node.children[0]), tuple(args), text, line, expand)
        if t == "conditional":
            parts = [self.expr(k, depth + 1) for k in node.children if k.type == "expression"]
            return Conditional(*parts, text, line)
        raise InputError(f"unsupported expression at line {line}", line)

    def literal(self, node, text: str, line: int) -> Lit:
        if node.type == "numeric_lit":
            try:
                value = int(text) if text.isdigit() else float(text)
            except ValueError:  # over Python's digit limit for int()
                raise InputError(f"the number at line {line} is too long", line) from None
            return Lit(value, text, line)
        if node.type == "bool_lit":
            return Lit(text == "true", text, line)
        if node.type == "null_lit":
            return Lit(None, text, line)
        return Lit(_unescape(text[1:-1]), text, line)  # string_lit: no interpolation inside

    def operation(self, node, depth: int):
        kids = [k for k in node.children if k.type != "comment"]
        text, line = self.text(node), self.line(node)
        if node.type == "unary_operation":
            return Operation(kids[0].type, (self.sequence(kids[1:], node, depth + 1),), text, line)
        i = next(i for i, k in enumerate(kids) if not k.is_named and k.type in _BINARY)
        left = self.sequence(kids[:i], node, depth + 1)
        right = self.sequence(kids[i + 1:], node, depth + 1)
        return Operation(kids[i].type, (left, right), text, line)

    def for_expr(self, node, depth: int) -> Opaque:
        bound, children = set(), []
        for k in node.children:
            if k.type == "for_intro":
                bound.update(self.text(i) for i in k.children if i.type == "identifier")
                children.extend(self.expr(e, depth + 1) for e in k.children if e.type == "expression")
            elif k.type == "for_cond":
                children.extend(self.expr(e, depth + 1) for e in k.children if e.type == "expression")
            elif k.type == "expression":
                children.append(self.expr(k, depth + 1))
        return Opaque(tuple(children), "a for expression is evaluated at plan", self.text(node),
                      self.line(node), frozenset(bound))

    def collection(self, node, depth: int):
        text, line = self.text(node), self.line(node)
        if node.type == "tuple":
            items = tuple(self.expr(k, depth + 1) for k in node.children if k.type == "expression")
            return TupleExpr(items, text, line)
        items = []
        for elem in node.children:
            if elem.type != "object_elem":
                continue
            key_node, value_node = [k for k in elem.children if k.type == "expression"]
            key = self.expr(key_node, depth + 1)
            if key_node.children[0].type == "variable_expr" and isinstance(key, Traversal) and not key.steps:
                key = Lit(key.root, key.text, key.line)  # `{name = ...}`: a bare name is a string
            items.append((key, self.expr(value_node, depth + 1)))
        return ObjectExpr(tuple(items), text, line)

    def template(self, node, depth: int):
        """quoted_template or heredoc_template to a Lit (no interpolation) or Template."""
        kids = node.children
        text, line = self.text(node), self.line(node)
        heredoc = node.type == "heredoc_template"
        if heredoc:
            start = self.src.find(b"\n", kids[1].end_byte) + 1
            close = kids[-1]
            if start == 0 or close.type != "heredoc_identifier":
                raise InputError(f"unreadable heredoc at line {line}", line)
            end = close.start_byte - close.start_point[1]
        else:
            start, end = kids[0].end_byte, kids[-1].start_byte
        parts: list = []
        pos = start
        for k in kids:
            if k.type not in ("template_interpolation", "template_directive") or k.start_byte < start:
                continue
            if k.start_byte > pos:
                parts.append(self.src[pos:k.start_byte].decode("utf-8"))
            if k.type == "template_interpolation":
                inner = [c for c in k.children if c.type == "expression"]
                parts.append(self.expr(inner[0], depth + 1))
            else:
                parts.append(self.directive(k, depth))
            pos = k.end_byte
        if end > pos:
            parts.append(self.src[pos:end].decode("utf-8"))
        if heredoc:
            parts = [p.replace("$${", "${").replace("%%{", "%{") if isinstance(p, str) else p for p in parts]
            if kids[0].text == b"<<-":
                parts = _flush(parts)
        else:
            parts = [_unescape(p) if isinstance(p, str) else p for p in parts]
        if all(isinstance(p, str) for p in parts):
            return Lit("".join(parts), text, line)
        return Template(tuple(parts), text, line)

    def directive(self, node, depth: int) -> Opaque:
        exprs, bound = [], set()
        stack = [node]
        while stack:  # iterative: directives nest only as deep as the template does
            n = stack.pop()
            for c in n.children:
                if c.type == "expression":
                    exprs.append(self.expr(c, depth + 1))
                elif c.type == "identifier" and n.type == "template_for_start":
                    bound.add(self.text(c))
                elif c.type not in ("template_interpolation",):
                    stack.append(c)
                else:
                    exprs.extend(self.expr(e, depth + 1) for e in c.children if e.type == "expression")
        return Opaque(tuple(exprs), "a template directive (%{...}) is evaluated at plan",
                      self.text(node), self.line(node), frozenset(bound))


def _flush(parts: list) -> list:
    """`<<-` heredoc: remove the smallest indentation of the non-blank lines from every line.
    An interpolation at the start of a line counts as content (indentation 0 there)."""
    lines: list[list] = [[]]
    for p in parts:
        if isinstance(p, str):
            pieces = p.split("\n")
            for i, piece in enumerate(pieces):
                if i:
                    lines.append([])
                if piece:
                    lines[-1].append(piece)
        else:
            lines[-1].append(p)
    indents = []
    for ln in lines:
        if not ln:
            continue
        first = ln[0]
        if isinstance(first, str):
            stripped = first.lstrip(" \t")
            if not stripped and len(ln) == 1:
                continue  # a blank line does not set the indentation
            indents.append(len(first) - len(stripped))
        else:
            indents.append(0)
    cut = min(indents, default=0)
    out: list = []
    for i, ln in enumerate(lines):
        if i:
            out.append("\n")
        for j, p in enumerate(ln):
            if j == 0 and isinstance(p, str):
                p = p[min(cut, len(p) - len(p.lstrip(" \t"))):]
            out.append(p)
    merged: list = []
    for p in out:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        elif p != "":
            merged.append(p)
    return merged
