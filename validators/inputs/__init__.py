"""The validator's input layer: the paths given to `elbtls validate` become a `Project`
plus the findings about the input itself.

    discover  which files the paths stand for; how a file is read (size limit, encoding)
    hcl       HCL to the block tree (tree-sitter)         tfjson  Terraform JSON to the same tree
    loader    parse each module directory once            evaluate  values, references, providers
    override  override files merged into their blocks     extract   resources into the models of model.py
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from ..catalog import finding
from ..findings import Finding, Where
from ..model import HostBinding, Pem, PemBundle, Project
from .discover import discover as find_files, read_text
from .evaluate import Scope, local_source
from .extract import extract
from .loader import Loader
from .tree import InputError, Suppression

__all__ = ["LoadResult", "Suppression", "load"]


@dataclass
class LoadResult:
    project: Project
    findings: list[Finding]
    suppressions: list[Suppression]
    # file -> [(address, first line, last line)]: a suppression on or above a resource
    # covers the findings inside it.
    resource_spans: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    files_checked: int = 0


def load(paths: list[str], *, max_file_bytes: int = 1_048_576,
         exclude: Callable[[str], bool] | None = None) -> LoadResult:
    """Everything in `paths` (files or directories), less the files `exclude` rejects (it
    is given each file's display path; see discover). Never raises for bad input: each
    unreadable file is one `input-unreadable` finding and the other files still load."""
    found = find_files(paths, exclude)
    loader = Loader(max_file_bytes, known=found.pems)
    project = Project()
    spans: dict[str, list[tuple[str, int, int]]] = {}
    findings: list[Finding] = list(found.findings)

    modules = {}
    for d in found.modules:
        module = loader.module(d.path, d.display, d.files, d.real)
        if not isinstance(module, str):
            modules[d.real] = module
    for module in _roots(modules):
        extract(Scope(module, loader), project, findings, spans)

    for f in found.pems:
        if f.real in loader.file_reads:
            continue  # read by file() in the configuration: checked there, as body, chain or key
        loader.checked.add(f.real)
        try:
            text = read_text(f.path, max_file_bytes)
        except InputError as e:
            findings.append(finding("input-unreadable", e.message, Where(file=f.display, line=e.line)))
            continue
        project.pem_bundles.append(PemBundle(pem=Pem(text=text, origin=Where(file=f.display))))

    for f in found.stack_configs:
        loader.checked.add(f.real)
        bindings = _stack_hosts(f.path, f.display, max_file_bytes, findings)
        project.hosts.extend(_in_stacks(bindings, f.path, project))

    return LoadResult(project, findings + loader.findings, loader.suppressions, spans, len(loader.checked))


def _roots(modules: dict) -> list:
    """The modules to evaluate as roots: those no other given module calls (a called one is
    evaluated through its call, with the call's inputs), then any left over in a cycle."""
    called: dict[str, set[str]] = {}
    for key, module in modules.items():
        called[key] = {os.path.realpath(os.path.join(module.path, s))
                       for s in map(local_source, module.calls.values()) if s}
    callees = set().union(*called.values()) if called else set()
    roots = [k for k in modules if k not in callees]
    reached, pending = set(roots), list(roots)
    while True:
        while pending:
            for k in called.get(pending.pop(), ()):
                if k in modules and k not in reached:
                    reached.add(k)
                    pending.append(k)
        left = next((k for k in modules if k not in reached), None)
        if left is None:
            return [modules[k] for k in roots]
        roots.append(left)
        reached.add(left)
        pending.append(left)


def _in_stacks(bindings: list[HostBinding], config: str, project: Project) -> list[HostBinding]:
    """The stack config's host bindings, each in the root module that holds its load
    balancer. The config names a load balancer by address only (ids are unique in the file),
    so the candidates are the roots holding that address; when there are several, those
    below the config's own directory (its cdktf.out) are taken. A binding no root holds
    stays as it is (it matches nothing)."""
    base = os.path.realpath(os.path.dirname(config) or ".")
    roots: dict[str, list[str]] = {}
    for lb in project.load_balancers:
        roots.setdefault(lb.address, []).append(lb.stack)
    out: list[HostBinding] = []
    for binding in bindings:
        stacks = list(dict.fromkeys(roots.get(binding.target, [])))
        below = [s for s in stacks if os.path.commonpath([base, os.path.realpath(s)]) == base]
        chosen = below or stacks
        out += [binding.model_copy(update={"stack": s}) for s in chosen] if chosen else [binding]
    return out


def _stack_hosts(path: str, display: str, max_file_bytes: int, findings: list[Finding]) -> list[HostBinding]:
    from .. import stackconfig   # only when the tree has a stack config

    try:
        read_text(path, max_file_bytes)  # the same size, binary and encoding checks as every file
        return list(stackconfig.hosts(path, display))
    except InputError as e:
        findings.append(finding("input-unreadable", e.message, Where(file=display, line=e.line)))
        return []
    except stackconfig.StackConfigError as e:  # the finding's location names the file already
        findings.append(finding("input-unreadable", e.detail, Where(file=display)))
        return []
    except (OSError, ValueError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else e  # strerror leaves the path out
        findings.append(finding("input-unreadable", f"cannot read the stack config: {reason}", Where(file=display)))
        return []
