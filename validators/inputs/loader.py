"""Read and parse module directories once each, keeping what every file contributes:
its blocks, its `elbtls:ignore` comments, and the findings about the file itself
(`input-unreadable`, `private-key-inline`). A broken file costs one finding; the module's
other files still load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from ..catalog import finding
from ..findings import Finding, Where
from . import hcl, override, tfjson
from .discover import SourceFile, module_files, read_text
from .evaluate import Module
from .tree import Block, InputError, Suppression

# The armour line only: the key itself is never matched, kept or printed.
_PRIVATE_KEY = re.compile(r"-{5}BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-{5}")
_TFVARS_ORDER = {"terraform.tfvars": 0, "terraform.tfvars.json": 1}


class Loader:
    def __init__(self, max_file_bytes: int, known: Iterable[SourceFile] = ()):
        self.max_file_bytes = max_file_bytes
        self.findings: list[Finding] = []
        self.suppressions: list[Suppression] = []
        self.checked: set[str] = set()      # real paths of every file read or refused
        self.file_reads: set[str] = set()   # real paths read through file()
        self._modules: dict[str, Module | str] = {}
        # The real paths discovery found, by normalised path (see real_path).
        self._known = {os.path.normpath(f.path): f.real for f in known if _no_parent_steps(f.path)}

    def problem(self, slug: str, message: str, where: Where) -> None:
        self.findings.append(finding(slug, message, where))

    def read_by_file(self, path: str) -> None:
        real = self.real_path(path)
        self.file_reads.add(real)
        self.checked.add(real)

    def real_path(self, path: str) -> str:
        """os.path.realpath(path), taken from discovery when `path` names a file it found:
        without `..` steps (which realpath resolves after links, normpath before them) two
        paths that normalise alike resolve alike, so no second walk of the links is needed."""
        if _no_parent_steps(path):
            real = self._known.get(os.path.normpath(path))
            if real is not None:
                return real
        return os.path.realpath(path)

    def module(self, path: str, display: str, files: list[SourceFile] | None = None,
               real: str | None = None) -> Module | str:
        """The parsed module in directory `path` (whose real path is `real`, when the caller
        knows it), or a sentence saying why there is none."""
        key = real or os.path.realpath(path)
        if key not in self._modules:
            self._modules[key] = self._load(path, display, files, key)
        return self._modules[key]

    def _load(self, path: str, display: str, files: list[SourceFile] | None, real: str) -> Module | str:
        if files is None:
            try:
                files = module_files(path, display)
            except InputError as e:
                return e.message
            if not any(f.kind in ("tf", "tf.json") for f in files):
                return f"no Terraform files in {display or '.'}; fix the source path"
        module = Module(path, display, real)
        tfvars = sorted((f for f in files if f.kind.startswith("tfvars")),
                        key=lambda f: (_TFVARS_ORDER.get(os.path.basename(f.path), 2), os.path.basename(f.path)))
        config = [f for f in files if not f.kind.startswith("tfvars")]
        overrides = sorted((f for f in config if override.is_override(os.path.basename(f.path))),
                           key=lambda f: os.path.basename(f.path))
        for f in [f for f in config if f not in overrides] + tfvars:
            top = self.parse(f)
            if top is not None:
                _add(module, top)
        for f in overrides:
            top = self.parse(f)
            missing = override.merge(module, top) if top is not None else []
            if missing:
                self.problem("input-unreadable",
                             f"this override file overrides {', '.join(missing)}, which no primary file "
                             "of the module defines (Terraform refuses it); define the block in a .tf file "
                             "without the _override suffix, or remove it here", Where(file=f.display))
        return module

    def parse(self, f: SourceFile) -> Block | None:
        """One Terraform file (or tfvars file) as a Block, or None after an input finding."""
        self.checked.add(f.real)
        try:
            text = read_text(f.path, self.max_file_bytes)
        except InputError as e:
            self.problem("input-unreadable", e.message, Where(file=f.display, line=e.line))
            return None
        top = None
        try:
            if f.kind == "tfvars.json":
                top = tfjson.parse_values(text, f.display)
            elif f.kind == "tf.json":
                top = tfjson.parse(text, f.display)
            else:
                top, suppressions = hcl.parse(text, f.display)
                self.suppressions.extend(suppressions)
        except InputError as e:
            self.problem("input-unreadable", e.message, Where(file=f.display, line=e.line))
        self._inline_keys(text, f.display, top)
        if top is not None and f.kind.startswith("tfvars"):
            top = Block("tfvars", (), f.display, 1, top.last_line, top.attrs)
        return top

    def _inline_keys(self, text: str, display: str, top: Block | None) -> None:
        if "PRIVATE KEY-----" not in text:
            return  # the pattern cannot match: skip the slower regex scan
        for m in _PRIVATE_KEY.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            address = _address_at(top, line) if top is not None else None
            kind = m.group(1) or ""
            self.problem("private-key-inline",
                         f"a literal {kind}PRIVATE KEY is written into this Terraform file "
                         f"{'(in ' + address + ') ' if address else ''}and so into version control: "
                         "read it with file() from an untracked path or pass it in a sensitive variable, "
                         "and rotate the exposed key",
                         Where(file=display, line=line, resource=address))


def _no_parent_steps(path: str) -> bool:
    return os.pardir not in path.split(os.sep)


def _address_at(top: Block, line: int) -> str | None:
    for b in top.blocks:
        if b.line <= line <= b.last_line and b.type in ("resource", "data") and len(b.labels) == 2:
            return ("data." if b.type == "data" else "") + ".".join(b.labels)
    return None


def _add(module: Module, top: Block) -> None:
    """Sort a file's top-level blocks into the module."""
    if top.type == "tfvars":
        module.tfvars.update(top.attrs)
        return
    for b in top.blocks:
        if b.type in ("resource", "data") and len(b.labels) == 2:
            module.resources.append(b)
        elif b.type == "variable" and b.labels:
            module.variables[b.labels[0]] = b
        elif b.type == "locals":
            module.locals.update(b.attrs)
        elif b.type == "output" and b.labels and "value" in b.attrs:
            module.outputs[b.labels[0]] = b.attrs["value"]
        elif b.type == "module" and b.labels:
            module.calls[b.labels[0]] = b
        elif b.type == "provider" and b.labels:
            module.providers.append(b)
