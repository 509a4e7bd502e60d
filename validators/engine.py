"""One validation run: load the files, run every check, then turn the raw findings into the
report the user sees (deduplicated, suppressions and configuration applied, sorted).

Decisions, in one place:
- A check that raises is a bug in elbtls, not a defect in the user's files, so it is not
  turned into a finding: the run stops with `InternalFault` (exit 2, one line naming the
  check and the file it was looking at). A partial report would be worse than none: a SARIF
  upload of it would close the alerts the broken check should have raised.
- `# elbtls:ignore=<slug> <reason>` suppresses a finding of that rule when it sits on the
  finding's line, in the block of ignore comments directly above it, or on/above the first
  line of the resource that contains the finding. A suppression without a reason still
  works but is reported as `suppression-invalid` (a warning, so it does not fail the run
  by default); one naming an unknown rule suppresses nothing and is reported too.
- `exclude` keeps matching files out of the run (not parsed, not counted); findings that
  still name one (a module a kept root calls) are dropped. The rest of the configuration
  applies after suppression: `disable` drops a rule, `severity` re-grades it.
"""

from __future__ import annotations

import os
import re
import traceback
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .catalog import RULES, finding
from .config import Config, did_you_mean
from .findings import Finding, Severity, Where


class InternalFault(Exception):
    """A bug in elbtls itself (a check raised); the message is one safe line."""


class LiveUnavailable(Exception):
    """`--live`/`audit` asked for, but the live checks cannot run here; the message says why."""


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    files_checked: int
    evaluated_at: datetime

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def exit_status(self, fail_on: Severity) -> int:
        """0 when no finding reaches `fail_on`, else 1 (the CLI's contract)."""
        return int(any(f.severity.rank >= fail_on.rank for f in self.findings))


def run(paths: Sequence[str], ctx, config: Config, *, live: bool = False) -> Report:
    """Validate `paths` (files or directories) at `ctx.at`."""
    from .inputs import load
    from .rules import all_checks

    loaded = load(list(paths), exclude=config.excludes if config.exclude else None)
    raw = list(loaded.findings)
    for check in all_checks():
        raw.extend(run_check(check, loaded.project, ctx))
    if live:
        raw.extend(_live("check")(loaded.project, ctx))
    kept = suppress(dedupe(raw), loaded.suppressions, loaded.resource_spans)
    return Report(configure(kept, config), loaded.files_checked, ctx.at)


def audit(regions: Sequence[str], all_regions: bool, profile: str | None, ctx, config: Config) -> Report:
    """The deployed load balancers of an account, checked live (no files involved)."""
    found = _live("audit")(list(regions), all_regions, profile, ctx)
    return Report(configure(dedupe(found), config), 0, ctx.at)


def run_check(check, project, ctx) -> list[Finding]:
    """A check's findings; a check that raises becomes an InternalFault naming it."""
    try:
        return list(check(project, ctx))
    except Exception as e:
        name = f"{getattr(check, '__module__', '?').rsplit('.', 1)[-1]}.{getattr(check, '__qualname__', check)}"
        file = _culprit_file(e)
        where = f" while checking {file}" if file else ""
        raise InternalFault(f"internal error in check {name}{where}: {safe_message(e)}") from e


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def suppress(findings: Sequence[Finding], suppressions: Sequence, spans: dict) -> list[Finding]:
    """The findings no suppression covers, plus `suppression-invalid` findings for
    suppressions without a reason or naming an unknown rule (see the module docstring)."""
    by_rule: dict[tuple[str, str], set[int]] = defaultdict(set)   # (file, slug) -> lines
    comment_lines: dict[str, set[int]] = defaultdict(set)         # file -> lines with any ignore
    problems: list[Finding] = []
    for s in suppressions:
        file = os.path.normpath(s.file)
        comment_lines[file].add(s.line)
        where = Where(file=s.file, line=s.line)
        if s.slug not in RULES:
            problems.append(finding("suppression-invalid", f"elbtls:ignore names no rule {s.slug!r}"
                                    f"{did_you_mean(s.slug, RULES)}; it suppresses nothing", where))
            continue
        by_rule[(file, s.slug)].add(s.line)
        if not (s.reason or "").strip():
            problems.append(finding("suppression-invalid", f"elbtls:ignore={s.slug} gives no reason; "
                                    "say why the finding is accepted", where))

    def anchored(file: str, line: int, lines: set[int]) -> bool:
        """True when `line` or the block of ignore comments directly above it holds one of `lines`."""
        while True:
            if line in lines:
                return True
            line -= 1
            if line not in comment_lines[file]:
                return False

    def covered(f: Finding) -> bool:
        if not f.file:
            return False
        file = os.path.normpath(f.file)
        lines = by_rule.get((file, f.rule))
        if not lines:
            return False
        if f.line and anchored(file, f.line, lines):
            return True
        for address, first, last in spans.get(f.file) or spans.get(file) or ():
            inside = f.line is not None and first <= f.line <= last
            if (inside or (f.line is None and address == f.resource)) and anchored(file, first, lines):
                return True
        return False

    return [f for f in findings if not covered(f)] + problems


def configure(findings: Iterable[Finding], config: Config) -> tuple[Finding, ...]:
    """Apply exclude/disable/severity from the configuration and sort."""
    out = []
    for f in findings:
        if f.rule in config.disable or (f.file and config.excludes(f.file)):
            continue
        severity = config.severity.get(f.rule)
        out.append(f.model_copy(update={"severity": severity}) if severity and severity != f.severity else f)
    return tuple(sorted(dict.fromkeys(out), key=Finding.sort_key))


def _live(name: str):
    """`elbtls.validators.live.<name>`, imported only when asked for."""
    try:
        from . import live
        function = getattr(live, name, None)
    except ImportError as e:
        raise LiveUnavailable(f"live checks need boto3: pip install 'elbtls[live]' ({e.name or e})") from None
    if function is None:
        raise LiveUnavailable("live checks are not available in this version of elbtls")
    return function


_SECRETS = re.compile(r"-----BEGIN[^-]*-----.*?(-----END[^-]*-----|$)|[A-Za-z0-9+/=]{40,}", re.S)


def safe_message(e: BaseException) -> str:
    """`Type: message` on one short line with anything that looks like PEM or base64 key
    material removed: exception texts (pydantic's above all) can quote their input."""
    text = _SECRETS.sub("[redacted]", str(e))
    text = " ".join(text.split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _culprit_file(e: BaseException) -> str | None:
    """The file of the innermost model object a failing check was looking at, found among
    the local variables of the traceback's frames (innermost first)."""
    frames = [frame for frame, _ in traceback.walk_tb(e.__traceback__)]
    for frame in reversed(frames):
        for value in list(frame.f_locals.values()):
            try:
                value = getattr(value, "pem", value)  # a PemBundle holds its Pem
                wheres = [getattr(value, "where", None), getattr(value, "origin", None)]
            except Exception:  # an odd local whose attribute access fails: not a model
                continue
            for where in wheres:
                if isinstance(where, Where) and where.file:
                    return where.file
    return None
