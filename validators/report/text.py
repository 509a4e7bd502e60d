"""The human report: findings grouped by file, each with `file:line`, severity, rule slug
and code, resource and message, then a summary line. ANSI colour only when asked (the CLI
asks when writing to a terminal and NO_COLOR is not set)."""

from __future__ import annotations

from itertools import groupby

from ..findings import Severity
from . import summary

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
NO_FILE = "(not in a file)"


def render(report, *, color: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if color else text

    lines: list[str] = []
    for file, group in groupby(report.findings, key=lambda f: f.file or ""):
        lines.append(paint("1", file or NO_FILE))
        for f in group:
            place = f"{file}:{f.line}" if file and f.line else (file or "-")
            resource = f" {f.resource}" if f.resource else ""
            severity = paint(_COLORS[f.severity], f"{f.severity.value:<7}")
            lines.append(f"  {place}: {severity} {f.rule} ({f.id}){resource}")
            lines.append(f"      {f.message}")
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def summary_line(report) -> str:
    counts = summary(report)
    files = f"{counts['files']} file{'s' if counts['files'] != 1 else ''} checked"
    if not report.findings:
        return f"No findings; {files}."
    parts = [f"{counts[s.value]} {s.value}{'s' if counts[s.value] != 1 and s != Severity.INFO else ''}"
             for s in Severity]
    return f"{', '.join(parts)}; {files}."
