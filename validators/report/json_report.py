"""The JSON report, exactly the shape RULES.md promises (`version` 1)."""

from __future__ import annotations

import json

from . import summary

VERSION = 1
FIELDS = ("rule", "id", "severity", "message", "file", "line", "resource")


def timestamp(at) -> str:
    """ISO-8601 in UTC with a `Z`, as every format prints the evaluation time."""
    return at.isoformat().replace("+00:00", "Z")


def render(report, *, color: bool = False) -> str:
    document = {
        "version": VERSION,
        "evaluated_at": timestamp(report.evaluated_at),
        "findings": [{k: v for k, v in f.model_dump(mode="json").items() if k in FIELDS}
                     for f in report.findings],
        "summary": summary(report),
    }
    return json.dumps(document, indent=2) + "\n"
