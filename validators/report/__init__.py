"""Report formats. Each module renders an `engine.Report` to text; `render` picks one."""

from __future__ import annotations

from importlib import import_module

FORMATS = {"text": "text", "json": "json_report", "sarif": "sarif"}


def render(report, fmt: str, *, color: bool = False) -> str:
    """The report as `fmt` ("text", "json" or "sarif"); `color` only matters for text."""
    module = import_module(f"{__name__}.{FORMATS[fmt]}")
    return module.render(report, color=color)


def summary(report) -> dict[str, int]:
    """The counts every format reports: findings per severity and files checked."""
    from ..findings import Severity

    return {**{s.value: report.count(s) for s in Severity}, "files": report.files_checked}
