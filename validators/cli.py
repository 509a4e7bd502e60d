"""`elbtls`: the command line (the contract is in RULES.md).

    elbtls validate [PATH ...]   check files and directories (default: .)
    elbtls audit                 check the deployed load balancers of an account (live)
    elbtls rules                 list every rule
    elbtls explain SLUG          what a rule means and how to fix it

Exit status: 0 nothing at the failure threshold, 1 a finding at it, 2 a usage error or an
internal fault. No traceback ever reaches the user: every failure is one line on stderr.
Heavy modules (the input layer, cryptography, boto3) load only when a command needs them,
so `--help`, `rules` and `explain` start fast.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .catalog import RULES
from .config import ConfigError, did_you_mean
from .findings import Severity

PROG = "elbtls"
SEVERITIES = [s.value for s in Severity]


class UsageError(Exception):
    """A mistake on the command line or in the configuration: exit 2, one line."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the command and exits with its status (raises SystemExit)."""
    raise SystemExit(_guarded(argv))


def _guarded(argv: list[str] | None) -> int:
    from .engine import InternalFault, LiveUnavailable, safe_message

    try:
        args = _parser().parse_args(argv)
        return args.command(args)
    except SystemExit as e:  # argparse: --help, --version, usage errors (already printed)
        return e.code if isinstance(e.code, int) else 2
    except (UsageError, ConfigError, LiveUnavailable, InternalFault) as e:
        _error(str(e))
    except KeyboardInterrupt:
        _error("interrupted")
    except BrokenPipeError:  # `elbtls rules | head`: the reader went away
        _silence_stdout()
    except Exception as e:
        _error(f"internal error: {safe_message(e)} (please report this)")
    return 2


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# --- argument parsing ----------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    from importlib.metadata import PackageNotFoundError, version

    try:
        own_version = version("elbtls")
    except PackageNotFoundError:
        own_version = "unknown"
    parser = argparse.ArgumentParser(prog=PROG, description="Pre-plan checks for TLS on AWS Classic Load Balancers.")
    parser.add_argument("--version", action="version", version=f"{PROG} {own_version}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    validate = commands.add_parser("validate", help="check Terraform, CDKTF output and PEM files",
                                   description="Check files and directories before terraform plan.")
    validate.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                          help="a file or directory (default: the current directory)")
    validate.add_argument("--live", action="store_true", help="also check what is deployed in AWS (needs credentials)")
    _output_options(validate)
    validate.set_defaults(command=_validate)

    audit = commands.add_parser("audit", help="check the deployed Classic Load Balancers of an account",
                                description="Check deployed Classic Load Balancers and their certificates (live).")
    audit.add_argument("--region", action="append", default=[], metavar="R", help="a region to audit (repeatable; default: the profile's region)")
    audit.add_argument("--all-regions", action="store_true", help="audit every enabled region")
    audit.add_argument("--profile", metavar="P", help="the AWS profile to use")
    _output_options(audit)
    audit.set_defaults(command=_audit)

    rules = commands.add_parser("rules", help="list every rule", description="List every rule.")
    rules.set_defaults(command=_rules)

    explain = commands.add_parser("explain", help="explain one rule", description="Explain one rule.")
    explain.add_argument("slug", metavar="SLUG", help="a rule slug (or its code, e.g. ELBTLS101)")
    explain.set_defaults(command=_explain)
    return parser


def _output_options(p: argparse.ArgumentParser) -> None:
    from .report import FORMATS

    p.add_argument("--format", choices=list(FORMATS), default="text", help="report format (default: text)")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    p.add_argument("--at", type=_instant, metavar="ISO-8601",
                   help="evaluate validity at this instant (default: now; no zone = UTC)")
    p.add_argument("--warn-days", type=_days, metavar="N", help="expiry warning window in days (default: 30)")
    p.add_argument("--fail-on", choices=SEVERITIES, help="lowest severity that fails the run (default: error)")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: .elbtls.toml or "
                   "[tool.elbtls] in pyproject.toml, searched upwards)")


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 date or date-time (e.g. 2026-03-15 or 2026-03-15T12:00:00Z)") from None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days, 0 or more")
    return days


# --- commands ------------------------------------------------------------------------

def _validate(args) -> int:
    from . import engine

    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    config, ctx, fail_on = _settings(args)
    with _cycle_collection_paused():
        report = engine.run(args.paths, ctx, config, live=args.live)
    _emit(report, args)
    return report.exit_status(fail_on)


def _audit(args) -> int:
    from . import engine

    config, ctx, fail_on = _settings(args)
    report = engine.audit(args.region, args.all_regions, args.profile, ctx, config)
    _emit(report, args)
    return report.exit_status(fail_on)


def _rules(args) -> int:
    width = max(len(slug) for slug in RULES)
    for rule in RULES.values():
        print(f"{rule.code}  {rule.slug:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return 0


def _explain(args) -> int:
    wanted = args.slug.strip()
    by_code = {r.code: r for r in RULES.values()}
    rule = RULES.get(wanted.lower()) or by_code.get(wanted.upper())
    if rule is None:
        raise UsageError(f"unknown rule {wanted!r}{did_you_mean(wanted.lower(), RULES)}; `elbtls rules` lists them")
    print(f"{rule.slug} ({rule.code}), {rule.severity.value}\n\n{rule.summary}\n\n"
          f"How to fix: {rule.fix}\n\nSource: {rule.source}")
    return 0


# --- shared by validate and audit ------------------------------------------------------

@contextmanager
def _cycle_collection_paused():
    """Run without Python's cyclic garbage collector. A run builds objects that nearly all
    live until it ends and makes next to no reference cycles, so the collector's passes
    free nothing; over a large tree they cost about a tenth of the run (1000 stacks:
    ~0.12 s). Reference counting still frees everything else at once."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _settings(args):
    """(config, evaluation context, failure threshold): command-line flags win over the file."""
    from . import config as config_file
    from .model import Context

    config = config_file.load(args.config)
    at = args.at or datetime.now(timezone.utc).replace(microsecond=0)
    warn_days = args.warn_days if args.warn_days is not None else config.warn_days
    fail_on = Severity(args.fail_on) if args.fail_on else config.fail_on
    return config, Context(at=at, warn_days=warn_days), fail_on


def _emit(report, args) -> None:
    from .report import render

    if args.output:
        _write_atomically(Path(args.output), render(report, args.format))
        return
    stream = sys.stdout
    color = args.format == "text" and stream.isatty() and not os.environ.get("NO_COLOR")
    stream.write(render(report, args.format, color=color))
    stream.flush()


def _write_atomically(target: Path, text: str) -> None:
    """Write to a temporary file beside `target`, then rename: a reader never sees half a
    report, and a failed run leaves any previous report as it was."""
    import tempfile   # only --output needs it: not loaded on every run

    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise UsageError(f"--output {target}: cannot write there: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644 & ~_umask())
        os.replace(temp, target)
    except OSError as e:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"--output {target}: cannot write: {e.strerror}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


if __name__ == "__main__":
    main()
