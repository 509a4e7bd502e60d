"""Terraform's override files (`override.tf`, `*_override.tf` and their `.tf.json` forms),
merged into their module as Terraform merges them, so that the rules see the configuration
Terraform would plan and not two definitions of one resource.

Terraform loads override files after the primary files, in lexical order, and merges each
block into the primary block of the same kind and name: an argument replaces the primary's
argument; a nested block type replaces every primary block of that type, except
`lifecycle`, which is merged argument by argument; a local value or output replaces the
one of the same name. A block with no primary block to override is an error in Terraform.
(The `terraform` block, merged specially, holds nothing the rules read and is skipped.)

Source: https://developer.hashicorp.com/terraform/language/files/override
"""

from __future__ import annotations

from .evaluate import Module
from .tree import Block, Lit


def is_override(file_name: str) -> bool:
    """Whether Terraform treats the file (by its base name) as an override file."""
    for suffix in (".tf", ".tf.json"):
        if file_name.endswith(suffix):
            stem = file_name[:-len(suffix)]
            return stem == "override" or stem.endswith("_override")
    return False


def merge(module: Module, top: Block) -> list[str]:
    """Merge one override file's blocks into `module`; the blocks with nothing to override,
    described as Terraform names them ("resource aws_elb.web"), are returned."""
    missing: list[str] = []
    for block in top.blocks:
        kind, labels = block.type, block.labels
        if kind in ("resource", "data") and len(labels) == 2:
            base = next((r for r in module.resources if r.type == kind and r.labels == labels), None)
            _merge_or_note(base, block, f"{kind} {'.'.join(labels)}", missing)
        elif kind == "variable" and labels:
            _merge_or_note(module.variables.get(labels[0]), block, f"variable {labels[0]}", missing)
        elif kind == "module" and labels:
            _merge_or_note(module.calls.get(labels[0]), block, f"module {labels[0]}", missing)
        elif kind == "provider" and labels:
            alias = _alias(block)
            base = next((p for p in module.providers if p.labels[:1] == labels[:1] and _alias(p) == alias), None)
            _merge_or_note(base, block, f"provider {labels[0]}" + (f" (alias {alias})" if alias else ""), missing)
        elif kind == "locals":
            for name, value in block.attrs.items():
                if name in module.locals:
                    module.locals[name] = value
                else:
                    missing.append(f"local value {name}")
        elif kind == "output" and labels:
            if labels[0] not in module.outputs:
                missing.append(f"output {labels[0]}")
            elif "value" in block.attrs:
                module.outputs[labels[0]] = block.attrs["value"]
    return missing


def _merge_or_note(base: Block | None, override: Block, name: str, missing: list[str]) -> None:
    if base is None:
        missing.append(name)
        return
    base.attrs.update(override.attrs)
    replaced = {b.type for b in override.blocks} - {"lifecycle"}
    base.blocks = [b for b in base.blocks if b.type not in replaced] + \
                  [b for b in override.blocks if b.type != "lifecycle"]
    for lifecycle in override.children("lifecycle"):
        mine = base.children("lifecycle")
        if mine:
            mine[0].attrs.update(lifecycle.attrs)
        else:
            base.blocks.append(lifecycle)


def _alias(provider: Block) -> object:
    """The provider block's alias: its value when literal, else its expression's text."""
    alias = provider.attrs.get("alias")
    if alias is None:
        return None
    return alias.value if isinstance(alias, Lit) else alias.text
