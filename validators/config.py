"""The validator's configuration file: `[tool.elbtls]` in pyproject.toml or the top level of
`.elbtls.toml`.

    disable   = ["missing-san"]                 # rules that never report
    severity  = { cert-expiring-soon = "error" } # a rule's severity, overriding the catalogue
    warn-days = 30                               # expiry warning window (cert-expiring-soon)
    fail-on   = "error"                          # lowest severity that makes the exit status 1
    exclude   = ["examples/**", "*.generated.tf"]

The file is the one given with `--config`, else the first found from the current
directory upwards (in one directory `.elbtls.toml` wins over pyproject.toml, and a
pyproject.toml without `[tool.elbtls]` is passed over). A mistake in it (unknown key,
unknown rule, wrong type) is a usage error naming the file and the key: a typo must never
silently switch a rule back on or off.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import RULES
from .findings import Severity

PROJECT_FILE = ".elbtls.toml"
PYPROJECT = "pyproject.toml"
KEYS = ("disable", "severity", "warn-days", "fail-on", "exclude")


class ConfigError(Exception):
    """A usage error in a configuration file; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    disable: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    warn_days: int = 30
    fail_on: Severity = Severity.ERROR
    exclude: tuple[str, ...] = ()
    # The directory `exclude` patterns are relative to (the config file's); None = no file.
    root: Path | None = None
    source: Path | None = None

    def excludes(self, path: str) -> bool:
        """True when `path` (as given on the command line, or absolute) matches an exclude
        pattern: the pattern is matched against the path relative to the config file's
        directory, against each parent directory of it, and against the file name."""
        if not self.exclude:
            return False
        absolute = Path(os.path.abspath(path))
        base = self.root or Path.cwd()
        try:
            rel = absolute.relative_to(base).as_posix()
        except ValueError:
            rel = absolute.as_posix()
        parts = rel.split("/")
        candidates = {"/".join(parts[:i]) for i in range(1, len(parts) + 1)} | {parts[-1]}
        return any(fnmatch.fnmatchcase(c, p.rstrip("/")) for c in candidates for p in self.exclude)


def find(start: Path) -> tuple[Path, dict] | None:
    """The nearest configuration at or above `start`: (file, the elbtls table), or None."""
    for directory in (start, *start.parents):
        own = directory / PROJECT_FILE
        if own.is_file():
            return own, _read_toml(own)
        pyproject = directory / PYPROJECT
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("elbtls")
            if table is not None:
                return pyproject, table
    return None


def load(explicit: str | os.PathLike | None = None, start: Path | None = None) -> Config:
    """The configuration in force: `explicit` (--config) or the nearest one found from
    `start` (default: the current directory) upwards; defaults when there is none."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: configuration file not found")
        data = _read_toml(path)
        if path.name == PYPROJECT:
            data = data.get("tool", {}).get("elbtls", {})
        found: tuple[Path, dict] | None = (path, data)
    else:
        found = find((start or Path.cwd()).resolve())
    if found is None:
        return Config()
    return parse(*found)


def parse(path: Path, table: object) -> Config:
    """Validate one elbtls table read from `path`."""
    where = f"{path}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.elbtls] must be a table")
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, KEYS)}; known keys: {', '.join(KEYS)}")
    disable = table.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(s, str) for s in disable):
        raise ConfigError(f"{where}: 'disable' must be a list of rule slugs")
    for slug in disable:
        _known_slug(where, "disable", slug)
    severity_table = table.get("severity", {})
    if not isinstance(severity_table, dict):
        raise ConfigError(f"{where}: 'severity' must be a table of rule slug = \"error\"|\"warning\"|\"info\"")
    severity = {}
    for slug, value in severity_table.items():
        _known_slug(where, "severity", slug)
        severity[slug] = _severity(where, f"severity.{slug}", value)
    warn_days = table.get("warn-days", 30)
    if isinstance(warn_days, bool) or not isinstance(warn_days, int) or warn_days < 0:
        raise ConfigError(f"{where}: 'warn-days' must be a whole number of days, 0 or more")
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(p, str) and p for p in exclude):
        raise ConfigError(f"{where}: 'exclude' must be a list of glob patterns")
    return Config(disable=frozenset(disable), severity=severity, warn_days=warn_days,
                  fail_on=_severity(where, "fail-on", table.get("fail-on", "error")),
                  exclude=tuple(exclude), root=path.resolve().parent, source=path)


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror if isinstance(e, OSError) else e}") from None


def _known_slug(where: str, key: str, slug: str) -> None:
    if slug not in RULES:
        raise ConfigError(f"{where}: {key}: unknown rule {slug!r}{did_you_mean(slug, RULES)}; `elbtls rules` lists them")


def _severity(where: str, key: str, value: object) -> Severity:
    try:
        return Severity(value)
    except (ValueError, TypeError):
        raise ConfigError(f"{where}: {key!r} must be \"error\", \"warning\" or \"info\", not {value!r}") from None


def did_you_mean(word: str, choices) -> str:
    """' (did you mean ...?)' for near misses, else ''."""
    import difflib   # only for a misspelling

    close = difflib.get_close_matches(word, list(choices), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""
