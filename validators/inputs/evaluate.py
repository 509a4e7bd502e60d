"""Evaluate what the rules need, per module instance, and no more.

Values are plain Python (str, int, float, bool, None, list, dict) or a `Ref` (an attribute
of a resource, known after apply) or an `Unresolved` (anything this evaluator does not
compute: never a guess). Every evaluation also collects the resource references it passes
through (`refs`), even inside expressions it cannot compute, so that resources can be linked.

Terraform semantics kept: a template that is one interpolation yields the value itself;
`file()` paths are relative to the root module (the working directory of `terraform plan`),
which is why `path.module` is the module's path relative to the root; child modules inherit
the default provider configurations unless `providers` says otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..findings import Where
from ..model import Ref, Unresolved
from .discover import display_join, read_text
from .functions import FUNCTIONS, OPERATORS, Bad, Sourced, is_index, is_number, to_text
from .tree import SPLAT, Block, Call, Conditional, InputError, Lit, ObjectExpr, Opaque, Operation, Template, \
    TupleExpr, Traversal

MAX_HOPS = 150  # nested evaluation (expressions, locals, variables, module outputs) before giving up
_META_ARGUMENTS = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
_INSTANCE_KEYS = frozenset({"each", "count", "self"})


@dataclass
class Module:
    """One module directory, parsed (see loader.py)."""

    path: str
    display: str
    real: str                                               # os.path.realpath(path)
    resources: list[Block] = field(default_factory=list)   # resource and data blocks
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict = field(default_factory=dict)              # name -> expression
    outputs: dict = field(default_factory=dict)             # name -> expression
    calls: dict[str, Block] = field(default_factory=dict)   # module blocks
    providers: list[Block] = field(default_factory=list)
    tfvars: dict = field(default_factory=dict)              # name -> expression (root use only)


@dataclass(frozen=True)
class ProviderConf:
    key: str                        # in root-module terms: "aws", "aws.use1", "module.x.aws"
    region: str | Unresolved


@dataclass(frozen=True)
class ChildProblem:
    """Why a module call gives no child scope: `slug` is the finding to report."""

    slug: str
    message: str


def local_source(call: Block) -> str | None:
    """A module call's source when it is a local path (`./x`, `../x`), else None."""
    src = call.attrs.get("source")
    if isinstance(src, Lit) and isinstance(src.value, str) and src.value.startswith(("./", "../")):
        return src.value
    return None


_IN_PROGRESS = object()


class Scope:
    """One instance of a module: its variables' values, providers and address prefix."""

    def __init__(self, module: Module, loader, *, prefix: str = "", inputs: dict | None = None,
                 providers: dict[str, ProviderConf] | None = None, root: Module | None = None,
                 stack: tuple = ()):
        self.module, self.loader, self.prefix = module, loader, prefix
        self.inputs = inputs  # name -> (value, refs) from the calling module; None for a root
        self.root = root or module
        self.stack = stack + (module.real,)
        # `path.module`: the module's path relative to the root module (where plan runs).
        self.path_module = "." if self.root is module else \
            os.path.relpath(module.path, self.root.path).replace(os.sep, "/")
        self._locals: dict = {}
        self._vars: dict = {}
        self._children: dict = {}
        self.providers = dict(providers or {})
        self.providers.update(self._own_providers())
        if "aws" not in self.providers:
            self.providers["aws"] = ProviderConf(prefix + "aws", self.region(None, "aws"))

    # -- public -------------------------------------------------------------------------

    def eval(self, expr, refs: set | None = None, bound: frozenset = frozenset()):
        """The value of `expr`; resource references met on the way are added to `refs`."""
        return self._ev(expr, refs if refs is not None else set(), bound, 0)

    def provider_of(self, block: Block) -> ProviderConf:
        """The provider configuration a resource uses (its `provider` argument or the default
        of its type's provider)."""
        expr = block.attrs.get("provider")
        if isinstance(expr, Traversal):
            key = expr.text
        elif isinstance(expr, Lit) and isinstance(expr.value, str):
            key = expr.value
        else:
            key = block.labels[0].split("_", 1)[0]
        conf = self.providers.get(key)
        if conf is None:
            conf = ProviderConf(self.prefix + key, Unresolved(
                expression=key, reason=f"no provider configuration {key} is passed to or declared in this module"))
        return conf

    def child(self, name: str):
        """The Scope of `module "<name>"`, or a ChildProblem."""
        if name not in self._children:
            self._children[name] = self._make_child(name)
        return self._children[name]

    # -- module calls and providers -----------------------------------------------------

    def _make_child(self, name: str):
        call = self.module.calls.get(name)
        if call is None:
            return ChildProblem("value-unresolved", f"no module \"{name}\" is declared")
        source = local_source(call)
        if source is None:
            src = call.attrs.get("source")
            text = src.value if isinstance(src, Lit) else getattr(src, "text", "?")
            return ChildProblem("value-unresolved", f"module.{name} comes from {text!r}, which is not a local "
                                f"path; its resources were not checked (check that module on its own)")
        path = os.path.normpath(os.path.join(self.module.path, source))
        if os.path.realpath(path) in self.stack:
            return ChildProblem("input-unreadable", f"module.{name} (source {source!r}) calls itself through "
                                "a cycle of modules; break the cycle")
        display = display_join(self.module.display, source)
        module = self.loader.module(path, display)
        if isinstance(module, str):
            return ChildProblem("input-unreadable", f"module.{name} (source {source!r}): {module}")
        inputs = {}
        for arg, expr in call.attrs.items():
            if arg not in _META_ARGUMENTS:
                refs: set = set()
                inputs[arg] = (self.eval(expr, refs), frozenset(refs))
        return Scope(module, self.loader, prefix=f"{self.prefix}module.{name}.", inputs=inputs,
                     providers=self._child_providers(call), root=self.root, stack=self.stack)

    def _child_providers(self, call: Block) -> dict[str, ProviderConf]:
        passed = {k: v for k, v in self.providers.items() if "." not in k}  # defaults are inherited
        mapping = call.attrs.get("providers")
        if isinstance(mapping, ObjectExpr):
            for key, value in mapping.items:
                child_key = key.value if isinstance(key, Lit) else key.text
                parent_key = value.value if isinstance(value, Lit) else value.text
                passed[str(child_key)] = self.providers.get(parent_key) or ProviderConf(
                    self.prefix + str(parent_key), Unresolved(
                        expression=str(parent_key), reason=f"provider {parent_key} is not configured"))
        return passed

    def _own_providers(self) -> dict[str, ProviderConf]:
        own = {}
        for block in self.module.providers:
            alias = self.eval(block.attrs["alias"]) if "alias" in block.attrs else None
            key = block.labels[0] + (f".{alias}" if isinstance(alias, str) else "")
            own[key] = ProviderConf(self.prefix + key, self.region(block.attrs.get("region"), key))
        return own

    def region(self, expr, provider: str) -> str | Unresolved:
        """A `region` argument as a string, or why it is not known before plan."""
        if expr is None:
            return Unresolved(expression=f'provider "{provider}"', reason="the provider sets no region: it comes "
                              "from AWS_REGION or the AWS profile at plan time")
        value = self.eval(expr)
        if isinstance(value, str):
            return str(value)
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, Ref):
            return Unresolved(expression=expr.text, reason=f"comes from {value.address} at plan time")
        return Unresolved(expression=expr.text, reason="the region is not a string")

    # -- evaluation ---------------------------------------------------------------------

    def _ev(self, e, refs: set, bound: frozenset, hops: int):
        if hops > MAX_HOPS:
            return Unresolved(expression=e.text, reason="nested too deeply to evaluate")
        hops += 1
        if isinstance(e, Lit):
            return e.value
        if isinstance(e, Traversal):
            return self._traversal(e, refs, bound, hops)
        if isinstance(e, Template):
            return self._template(e, refs, bound, hops)
        if isinstance(e, TupleExpr):
            return [self._ev(x, refs, bound, hops) for x in e.items]
        if isinstance(e, ObjectExpr):
            out = {}
            for k, v in e.items:
                key = self._ev(k, refs, bound, hops)
                value = self._ev(v, refs, bound, hops)
                if not isinstance(key, str):
                    return Unresolved(expression=e.text, reason="an object key is not known before plan")
                out[str(key)] = value
            return out
        if isinstance(e, Call):
            return self._call(e, refs, bound, hops)
        if isinstance(e, Conditional):
            cond = self._ev(e.cond, refs, bound, hops)
            if cond is True or cond == "true":
                return self._ev(e.then, refs, bound, hops)
            if cond is False or cond == "false":
                return self._ev(e.other, refs, bound, hops)
            self._ev(e.then, refs, bound, hops)
            self._ev(e.other, refs, bound, hops)
            return _unknown(cond, e.text, "the condition is known only at plan")
        if isinstance(e, Operation):
            return self._operation(e, refs, bound, hops)
        if isinstance(e, Opaque):
            inner = bound | e.bound
            for child in e.children:
                self._ev(child, refs, inner, hops)
            return Unresolved(expression=e.text, reason=e.reason)
        return Unresolved(expression=getattr(e, "text", "?"), reason="not evaluated")

    def _traversal(self, e: Traversal, refs: set, bound: frozenset, hops: int):
        root, steps = e.root, list(e.steps)
        name = steps[0] if steps and isinstance(steps[0], str) and steps[0] != SPLAT else None
        if root in bound:
            self._index_refs(steps, refs, bound, hops)
            return Unresolved(expression=e.text, reason="an iteration value, known only at plan")
        if root in _INSTANCE_KEYS or root == "terraform":
            self._index_refs(steps, refs, bound, hops)
            return Unresolved(expression=e.text, reason=f"{root}.* is known per instance at plan")
        if root == "var" and name:
            value, more = self._var(name, hops)
            refs |= more
        elif root == "local" and name:
            value, more = self._local(name, hops)
            refs |= more
        elif root == "path" and name in ("module", "root", "cwd"):
            value = self.path_module if name == "module" else "."
        elif root == "module" and name:
            return self._module_output(e, name, steps[1:], refs, bound, hops)
        elif root == "data" and name and len(steps) > 1 and isinstance(steps[1], str):
            return self._ref(f"{self.prefix}data.{name}.{steps[1]}", steps[2:], e, refs, bound, hops)
        elif name and "_" in root:
            return self._ref(f"{self.prefix}{root}.{name}", steps[1:], e, refs, bound, hops)
        else:
            self._index_refs(steps, refs, bound, hops)
            return Unresolved(expression=e.text, reason=f"{root!r} names nothing this evaluator knows")
        return self._apply(value, steps[1:], e, refs, bound, hops)

    def _ref(self, address: str, steps: list, e, refs: set, bound: frozenset, hops: int):
        """`aws_acm_certificate.web[0].arn` -> Ref(aws_acm_certificate.web, "arn")."""
        self._index_refs(steps, refs, bound, hops)
        attrs = [s for s in steps if isinstance(s, str)]
        splat = SPLAT in attrs
        ref = Ref(address=address, attribute=".".join(a for a in attrs if a != SPLAT))
        refs.add(ref)
        if splat:
            return Unresolved(expression=e.text, reason=f"a list from {address}, known after apply")
        return ref

    def _index_refs(self, steps: list, refs: set, bound: frozenset, hops: int) -> None:
        for s in steps:
            if not isinstance(s, str):
                self._ev(s, refs, bound, hops)

    def _apply(self, value, steps: list, e, refs: set, bound: frozenset, hops: int):
        for step in steps:
            if isinstance(value, Unresolved):
                self._index_refs(steps, refs, bound, hops)
                return value
            if isinstance(value, Ref):
                if isinstance(step, str) and step != SPLAT:
                    attribute = f"{value.attribute}.{step}" if value.attribute else step
                    value = Ref(address=value.address, attribute=attribute)
                continue
            if step == SPLAT:
                return Unresolved(expression=e.text, reason="splat expressions are not evaluated")
            key = step if isinstance(step, str) else self._ev(step, refs, bound, hops)
            if isinstance(key, (Ref, Unresolved)):
                return _unknown(key, e.text, "the index is known only at plan")
            if isinstance(value, dict) and isinstance(key, (str, int)) and str(key) in value:
                value = value[str(key)]
            elif isinstance(value, list) and is_index(key) and 0 <= int(key) < len(value):
                value = value[int(key)]
            else:
                return Unresolved(expression=e.text, reason=f"has no element {key!r}")
        return value

    def _var(self, name: str, hops: int):
        if name in self._vars:
            return self._vars[name]
        decl = self.module.variables.get(name)
        if self.inputs is not None and name in self.inputs and self.inputs[name][0] is not None:
            result = self.inputs[name]
        elif self.inputs is None and name in self.module.tfvars:
            result = (self._ev(self.module.tfvars[name], set(), frozenset(), hops), frozenset())
        elif decl is not None and "default" in decl.attrs:
            result = (self._ev(decl.attrs["default"], set(), frozenset(), hops), frozenset())
        elif decl is not None:
            result = (Unresolved(expression=f"var.{name}", reason="the variable has no default and no value in "
                                 "terraform.tfvars or the module call; it is set at plan"), frozenset())
        else:
            result = (Unresolved(expression=f"var.{name}", reason=f'no variable "{name}" is declared in '
                                 f"{self.module.display or '.'}"), frozenset())
        self._vars[name] = result
        return result

    def _local(self, name: str, hops: int):
        cached = self._locals.get(name)
        if cached is _IN_PROGRESS:
            return Unresolved(expression=f"local.{name}", reason="the local value refers to itself"), frozenset()
        if cached is not None:
            return cached
        expr = self.module.locals.get(name)
        if expr is None:
            return Unresolved(expression=f"local.{name}", reason=f'no local value "{name}" is defined'), frozenset()
        self._locals[name] = _IN_PROGRESS
        refs: set = set()
        result = (self._ev(expr, refs, frozenset(), hops), frozenset(refs))
        self._locals[name] = result
        return result

    def _module_output(self, e, name: str, steps: list, refs: set, bound: frozenset, hops: int):
        while steps and not isinstance(steps[0], str):  # module.x[0].out: one instance stands for all
            steps = steps[1:]
        child = self.child(name)
        if isinstance(child, ChildProblem):
            return Unresolved(expression=e.text, reason=child.message)
        if not steps:
            return Unresolved(expression=e.text, reason="a whole module object is not evaluated")
        expr = child.module.outputs.get(steps[0])
        if expr is None:
            return Unresolved(expression=e.text, reason=f'module.{name} has no output "{steps[0]}"')
        value = child._ev(expr, refs, frozenset(), hops)
        return self._apply(value, steps[1:], e, refs, bound, hops)

    def _template(self, e: Template, refs: set, bound: frozenset, hops: int):
        values = [p if isinstance(p, str) else self._ev(p, refs, bound, hops) for p in e.parts]
        if len(e.parts) == 1 and not isinstance(e.parts[0], str):
            return values[0]  # "${x}" is x itself, unconverted
        out = []
        for v in values:
            text = to_text(v)
            if text is None:
                return _unknown(v, e.text, "a list, object or null cannot be interpolated into text")
            out.append(text)
        return "".join(out)

    def _operation(self, e: Operation, refs: set, bound: frozenset, hops: int):
        values = [self._ev(x, refs, bound, hops) for x in e.operands]
        for v in values:
            if isinstance(v, (Ref, Unresolved)):
                return _unknown(v, e.text, "an operand is known only at plan")
        try:
            if len(values) == 1:
                (v,) = values
                if e.op == "-" and is_number(v):
                    return -v
                if e.op == "!" and isinstance(v, bool):
                    return not v
            else:
                result = OPERATORS[e.op](*values)
                if result is not None:
                    return result
        except (TypeError, ZeroDivisionError, OverflowError):
            pass
        return Unresolved(expression=e.text, reason="the operands do not fit the operator")

    def _call(self, e: Call, refs: set, bound: frozenset, hops: int):
        args = [self._ev(a, refs, bound, hops) for a in e.args]
        fn = self._file if e.name == "file" else FUNCTIONS.get(e.name)
        if fn is None:
            return Unresolved(expression=e.text, reason=f"the function {e.name}() is not evaluated before plan")
        if e.expand:
            if not args or not isinstance(args[-1], list):
                return _unknown(args[-1] if args else None, e.text, "the expanded argument is not a known list")
            args = args[:-1] + args[-1]
        for a in args:
            if isinstance(a, (Ref, Unresolved)):
                return _unknown(a, e.text, "an argument is known only at plan")
        try:
            return fn(*args)
        except Bad as bad:
            return Unresolved(expression=e.text, reason=str(bad))
        except (TypeError, ValueError, KeyError, IndexError):
            return Unresolved(expression=e.text, reason=f"the arguments do not fit {e.name}()")

    def _file(self, path):
        if not isinstance(path, str):
            raise Bad("file() needs a path string")
        real = os.path.join(self.root.path, path)  # an absolute path stays as it is
        display = display_join(self.root.display, path)
        try:
            text = read_text(real, self.loader.max_file_bytes)
        except InputError as err:
            raise Bad(f"file {display}: {err.message}") from None
        self.loader.read_by_file(real)
        out = Sourced(text)
        out.origin = Where(file=display)
        return out


def _unknown(value, text: str, reason: str) -> Unresolved:
    """Why a value built from `value` is unknown: the inner Unresolved as it is (it names
    the real culprit), or the reference it waits for."""
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, Ref):
        what = f"{value.address}.{value.attribute}" if value.attribute else value.address
        return Unresolved(expression=text, reason=f"depends on {what}, known only after apply")
    return Unresolved(expression=text, reason=reason)
