"""The small block tree that both parsers produce (HCL via tree-sitter, Terraform JSON via
`json`), so that evaluation and extraction never care which syntax a module was written in.

Every expression keeps its source `text` (shown in `Unresolved.expression`) and its 1-based
`line`. Only the forms the evaluator understands get their own class; everything else
(`for` expressions, template directives, splats) is `Opaque`: never evaluated, but its
sub-expressions are still walked for the resource references they mention.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_DEPTH = 100  # nesting deeper than this is refused as unreadable input, never a RecursionError


class InputError(Exception):
    """A file that cannot be read, decoded or parsed: becomes one `input-unreadable` finding."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Lit:
    value: object  # str, int, float, bool or None
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Template:
    """A string with `${...}` interpolations: `parts` are str or expressions."""

    parts: tuple
    text: str
    line: int


SPLAT = "*"  # a traversal step standing for `[*]` / `.*`


@dataclass(frozen=True, slots=True)
class Traversal:
    """`var.x`, `aws_elb.web.name`, `local.m["k"][0]`: steps are attribute names (str) or
    index expressions; SPLAT marks a splat."""

    root: str
    steps: tuple
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple
    text: str
    line: int
    expand: bool = False  # the last argument is followed by `...`


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    items: tuple  # ((key expression, value expression), ...); bare identifier keys are Lit
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Conditional:
    cond: object
    then: object
    other: object
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Operation:
    op: str  # "-", "!" (unary) or a binary operator
    operands: tuple
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Opaque:
    """An expression the evaluator does not compute; `bound` are the names it introduces
    (`for k, v in ...`), which are not resource references inside it."""

    children: tuple
    reason: str
    text: str
    line: int
    bound: frozenset = frozenset()


@dataclass(slots=True)
class Block:
    """`resource "aws_elb" "web" { ... }` (or the JSON equivalent). The file itself is a
    Block with type "" holding the top-level attributes and blocks."""

    type: str
    labels: tuple
    file: str  # display path
    line: int
    last_line: int
    attrs: dict = field(default_factory=dict)
    blocks: list = field(default_factory=list)

    def children(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]


@dataclass(frozen=True, slots=True)
class Suppression:
    """`# elbtls:ignore=<slug> <reason>` (or `//`, `/* */`): the engine decides what it covers."""

    file: str
    line: int
    slug: str
    reason: str
