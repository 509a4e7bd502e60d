"""The checks. Each module here exposes `CHECKS`, a list of functions
`check(project: Project, ctx: Context) -> Iterable[Finding]` that build findings with
`catalog.finding(slug, ...)`; rule metadata lives only in `catalog.RULES`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module

from ..findings import Finding
from ..model import Context, Project

Check = Callable[[Project, Context], Iterable[Finding]]

_MODULES = ("certificate", "chain", "acm_request", "iam", "elb", "tls")


def all_checks() -> list[Check]:
    checks: list[Check] = []
    for name in _MODULES:
        checks.extend(import_module(f"{__name__}.{name}").CHECKS)
    return checks
