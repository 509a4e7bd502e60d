"""SARIF 2.1.0 for GitHub code scanning: one run, every catalogued rule in tool.driver.rules
(id = code, name = slug), one result per finding with a location relative to %SRCROOT%
(the current directory) and a fingerprint that survives line moves.

GitHub needs a physical location on every result (`locations[]` and
`physicalLocation.artifactLocation.uri` are required, and one result without them makes it
reject the whole upload; https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
A finding about no file (what `elbtls audit` and the live checks report on deployed
resources) is placed on a stable pseudo-artifact under `aws/` named after the resource
(`elb:us-east-1/web` -> `aws/elb/us-east-1/web`), line 1, with the resource as its logical
location; GitHub shows such an alert without a source preview.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import quote

from ..catalog import PROJECT_URL, RULES
from ..findings import Severity
from .json_report import timestamp

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
PSEUDO_ROOT = "aws"            # the pseudo-artifacts of findings about no file
PSEUDO_ACCOUNT = "account"     # ... and about no resource either
FINGERPRINT = "elbtlsFinding/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report, *, color: bool = False) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version("elbtls")
    except PackageNotFoundError:
        tool_version = "0"
    index = {slug: i for i, slug in enumerate(RULES)}
    rules = [{
        "id": r.code,
        "name": r.slug,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": f"{r.summary} {r.fix}"},
        "help": {"text": r.fix},
        "helpUri": r.source,
        "defaultConfiguration": {"level": LEVELS[r.severity]},
    } for r in RULES.values()]
    run = {
        "tool": {"driver": {"name": "elbtls", "version": tool_version, "informationUri": PROJECT_URL,
                            "rules": rules}},
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "invocations": [{"executionSuccessful": True, "endTimeUtc": timestamp(report.evaluated_at)}],
        "results": [_result(f, index[f.rule]) for f in report.findings],
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def _result(f, rule_index: int) -> dict:
    result = {
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "partialFingerprints": {FINGERPRINT: _fingerprint(f)},
    }
    physical: dict = {"artifactLocation": _artifact(f.file) if f.file else _pseudo_artifact(f.resource)}
    if f.line and f.line >= 1:
        physical["region"] = {"startLine": f.line}
    elif not f.file:
        physical["region"] = {"startLine": 1}
    location: dict = {"physicalLocation": physical}
    if f.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": f.resource, "kind": "resource"}]
    result["locations"] = [location]
    return result


def _pseudo_artifact(resource: str | None) -> dict:
    """The stand-in file of a finding about no file (see the module docstring): a relative
    path, so no URI scheme (an ARN's `arn:`) can reach GitHub, which rejects foreign ones."""
    name = resource.replace(":", "/") if resource else PSEUDO_ACCOUNT
    parts = [p for p in name.split("/") if p not in ("", ".", "..")] or [PSEUDO_ACCOUNT]
    return {"uri": quote("/".join([PSEUDO_ROOT, *parts])), "uriBaseId": SRCROOT}


def _artifact(file: str) -> dict:
    """A relative URI under %SRCROOT% when the file is below the current directory (or was
    given relative), else an absolute file: URI."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    return {"uri": quote(Path(os.path.normpath(path)).as_posix()), "uriBaseId": SRCROOT}


def _fingerprint(f) -> str:
    """Stable across line moves: the line counts only when there is no resource to anchor on."""
    anchor = f.resource or f"line {f.line}"
    key = "\0".join((f.rule, os.path.normpath(f.file) if f.file else "", anchor, f.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]
