"""Which files the paths on the command line stand for, and the one way each file is read.

A directory is searched recursively; each directory holding `*.tf`/`*.tf.json` is one
Terraform module (cdktf's `cdktf.out/stacks/<name>/cdk.tf.json` included). A Terraform file
named on its own brings its directory's other Terraform files along: a module can only be
evaluated whole (its variables and locals usually sit in sibling files). Display paths keep
the argument as the user typed it, joined with the path below it.

Files the configuration's `exclude` matches (by display path) are left out here, so they
are neither parsed nor counted; a module that a kept root calls is still read through the
call, since the root cannot be evaluated without it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

from ..catalog import finding
from ..findings import Finding, Where
from .tree import InputError

STACK_CONFIG = "elbtls.stacks.toml"
_SKIP_DIRS = frozenset({".terraform", ".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".mypy_cache",
                        ".pytest_cache"})
_PEM_SUFFIXES = (".pem", ".crt")
_EXPLICIT_PEM_SUFFIXES = (".pem", ".crt", ".cer", ".key")  # accepted when named on their own


@dataclass(frozen=True)
class SourceFile:
    path: str     # a path this process can open
    display: str  # as the user would recognise it (see module docstring)
    kind: str     # "tf", "tf.json", "tfvars", "tfvars.json", "pem", "stacks"
    real: str     # os.path.realpath(path), found once: files are told apart by it


@dataclass
class ModuleDir:
    path: str
    display: str
    real: str  # os.path.realpath(path): a module directory is known by it
    files: list[SourceFile] = field(default_factory=list)


@dataclass
class Discovery:
    modules: list[ModuleDir] = field(default_factory=list)
    pems: list[SourceFile] = field(default_factory=list)
    stack_configs: list[SourceFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def kind_of(name: str) -> str | None:
    """The kind of a file found while searching a directory, by its name."""
    if name.endswith(".tf.json"):
        return "tf.json"
    if name.endswith(".tf"):
        return "tf"
    if name == "terraform.tfvars.json" or name.endswith(".auto.tfvars.json"):
        return "tfvars.json"
    if name == "terraform.tfvars" or name.endswith(".auto.tfvars"):
        return "tfvars"
    if name.endswith(_PEM_SUFFIXES):
        return "pem"
    if name == STACK_CONFIG:
        return "stacks"
    return None


_TERRAFORM_KINDS = ("tf", "tf.json", "tfvars", "tfvars.json")


def discover(paths: list[str], exclude: Callable[[str], bool] | None = None) -> Discovery:
    """The files `paths` stand for, less those `exclude` (given a display path) rejects."""
    found = _Collector(exclude)
    for arg in paths:
        try:
            st = os.stat(arg)
        except OSError as e:
            found.problem(arg, f"cannot open {arg!r}: {e.strerror or e}; check the path")
            continue
        if stat.S_ISDIR(st.st_mode):
            found.walk(arg)
        else:
            found.explicit(arg)
    return found.result


def module_files(path: str, display: str) -> list[SourceFile]:
    """The Terraform files of one directory (not recursive), sorted. Raises InputError when
    it is not a readable directory."""
    try:
        names = sorted(os.listdir(path))
    except OSError as e:
        raise InputError(f"cannot list the module directory: {e.strerror or e}; fix the source path") from None
    real_dir = os.path.realpath(path)
    out = []
    for name in names:
        kind = kind_of(name)
        if kind in _TERRAFORM_KINDS:
            child = os.path.join(path, name)
            real = os.path.realpath(child) if os.path.islink(child) else os.path.join(real_dir, name)
            out.append(SourceFile(child, os.path.join(display, name), kind, real))
    return out


class _Collector:
    def __init__(self, exclude: Callable[[str], bool] | None = None):
        self.exclude = exclude
        self.result = Discovery()
        self.seen: set[str] = set()        # real paths of files already taken
        self.modules: dict[str, ModuleDir] = {}
        self.visited: set[tuple[int, int]] = set()  # (device, inode) of directories walked

    def problem(self, display: str, message: str) -> None:
        self.result.findings.append(finding("input-unreadable", message, Where(file=display)))

    def add(self, f: SourceFile, module_dir: tuple[str, str, str] | None = None) -> None:
        """Take a file once, unless excluded; Terraform files go to their module directory
        (path, display, real path)."""
        if f.real in self.seen or (self.exclude is not None and self.exclude(f.display)):
            return
        self.seen.add(f.real)
        if f.kind in _TERRAFORM_KINDS:
            if module_dir is None:
                directory = os.path.dirname(f.path) or "."
                module_dir = (directory, os.path.dirname(f.display), os.path.realpath(directory))
            path, display, key = module_dir
            if key not in self.modules:
                self.modules[key] = ModuleDir(path, display, key)
                self.result.modules.append(self.modules[key])
            self.modules[key].files.append(f)
        elif f.kind == "pem":
            self.result.pems.append(f)
        else:
            self.result.stack_configs.append(f)

    def explicit(self, arg: str) -> None:
        name = os.path.basename(arg)
        kind = kind_of(name) or ("pem" if name.endswith(_EXPLICIT_PEM_SUFFIXES) else None)
        if kind is None:
            self.problem(arg, "not a file elbtls reads: name Terraform (.tf, .tf.json, .tfvars), PEM "
                              f"(.pem, .crt) or {STACK_CONFIG} files, or directories holding them")
            return
        if kind not in _TERRAFORM_KINDS:
            self.add(SourceFile(arg, arg, kind, os.path.realpath(arg)))
            return
        directory, display_dir = os.path.dirname(arg) or ".", os.path.dirname(arg)
        module_dir = (directory, display_dir, os.path.realpath(directory))
        self.add(SourceFile(arg, arg, kind, os.path.realpath(arg)), module_dir)
        try:
            siblings = module_files(directory, display_dir)
        except InputError:
            siblings = []
        for sibling in siblings:
            self.add(sibling, module_dir)

    def walk(self, top: str) -> None:
        pending = [(top, top, os.path.realpath(top))]   # (path, display, real path)
        while pending:  # iterative: no recursion limit on deep trees
            path, display, real_dir = pending.pop()
            try:
                st = os.stat(path)
                if (st.st_dev, st.st_ino) in self.visited:
                    continue  # a symlink back up the tree
                self.visited.add((st.st_dev, st.st_ino))
                with os.scandir(path) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                self.problem(display, f"cannot list directory: {e.strerror or e}")
                continue
            subdirs = []
            for entry in entries:
                child, child_display = entry.path, os.path.join(display, entry.name)
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.name not in _SKIP_DIRS and not entry.name.startswith(".venv"):
                        subdirs.append((child, child_display, _real_path(entry, real_dir)))
                    continue
                kind = kind_of(entry.name)
                if kind is not None:
                    self.add(SourceFile(child, child_display, kind, _real_path(entry, real_dir)),
                             (path, display, real_dir))
            pending.extend(reversed(subdirs))


def _real_path(entry: os.DirEntry, real_dir: str) -> str:
    """os.path.realpath of a directory entry: its directory's real path plus its name,
    unless the entry is itself a link (or cannot tell)."""
    try:
        if not entry.is_symlink():
            return os.path.join(real_dir, entry.name)
    except OSError:
        pass
    return os.path.realpath(entry.path)


def display_join(base: str, relative: str) -> str:
    """`relative` (a module source, a file() path) joined to a display path: normalised, but
    keeping a leading `./` of `base` so that every path from one argument looks alike."""
    if os.path.isabs(relative):
        return relative
    joined = os.path.normpath(os.path.join(base, relative))
    dotted = base == "." or base.startswith(f".{os.sep}")
    return f".{os.sep}{joined}" if dotted and not joined.startswith(".") else joined


def read_text(path: str, max_bytes: int) -> str:
    """A file's text, or InputError saying what is wrong and what to do. The size limit is
    checked from `stat` first, so an oversized file is never read whole."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}; fix the path or the link") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file (a directory, FIFO or device); name a file elbtls can read")
    if st.st_size > max_bytes:
        raise InputError(f"file is {st.st_size} bytes, over the {max_bytes}-byte limit; "
                         "split it or exclude it")
    try:
        with open(path, "rb") as f:
            # Sized by stat: a read of max_bytes + 1 would allocate that much for every file.
            # A file that grew since reads on, to just over the limit.
            data = f.read(st.st_size + 1)
            if len(data) > st.st_size:
                data += f.read(max_bytes + 1 - len(data))
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}; check the file's permissions") from None
    if len(data) > max_bytes:
        raise InputError(f"file is over the {max_bytes}-byte limit; split it or exclude it")
    if b"\0" in data:
        raise InputError("binary data (NUL bytes), not text: convert a DER certificate or key to PEM "
                         "(`openssl x509 -inform der -in FILE -out FILE.pem`) or exclude the file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"not valid UTF-8 (byte {e.start}, line {line}); save the file as UTF-8", line) from None
    return text[1:] if text.startswith("\ufeff") else text
