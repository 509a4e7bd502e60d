"""The command-line contract: subcommands, options, exit statuses 0/1/2, atomic output, fast
start, and no traceback ever."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from elbtls.validators import cli, engine
from elbtls.validators.catalog import RULES, finding
from elbtls.validators.findings import Where

from .samples import elb_without_certificate

AT = datetime(2026, 6, 1, tzinfo=timezone.utc)


# --- commands that need no input files -------------------------------------------------

def test_version(elbtls_process):
    r = elbtls_process("--version")
    assert r.status == 0 and r.out.strip() == "elbtls 0.1.0"


def test_help_and_missing_command(elbtls_main):
    assert elbtls_main("--help").status == 0
    r = elbtls_main()
    assert r.status == 2 and "required" in r.err


def test_rules_lists_every_rule(elbtls_main):
    r = elbtls_main("rules")
    assert r.status == 0
    lines = r.out.splitlines()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, RULES.values()):
        assert line.split(None, 3) == [rule.code, rule.slug, rule.severity.value, rule.summary]


@pytest.mark.parametrize("args", [["rules"], ["--help"], ["explain", "cert-expired"], ["validate", "--help"]])
def test_fast_commands_import_neither_cryptography_nor_the_input_layer(args):
    code = ("import sys\nfrom elbtls.validators import cli\n"
            f"try:\n    cli.main({args!r})\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('cryptography', 'boto3', 'tree_sitter', 'elbtls.validators.inputs') if m in sys.modules]\n"
            "print(heavy, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_explain_by_slug_and_by_code(elbtls_main):
    r = elbtls_main("explain", "chain-incomplete")
    rule = RULES["chain-incomplete"]
    assert r.status == 0
    for part in (rule.slug, rule.code, rule.severity.value, rule.summary, rule.fix, rule.source):
        assert part in r.out
    assert elbtls_main("explain", "elbtls201").out == r.out


def test_explain_unknown_slug_suggests_close_matches(elbtls_main):
    r = elbtls_main("explain", "chain-incomplet")
    assert r.status == 2 and r.out == ""
    assert r.err.startswith("elbtls: error: unknown rule 'chain-incomplet' (did you mean chain-incomplete, ")
    assert r.err.endswith("`elbtls rules` lists them\n")


# --- options -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-03-15", datetime(2026, 3, 15, tzinfo=timezone.utc)),
    ("2026-03-15T12:00:00", datetime(2026, 3, 15, 12, tzinfo=timezone.utc)),      # naive = UTC
    ("2026-03-15T12:00:00Z", datetime(2026, 3, 15, 12, tzinfo=timezone.utc)),
    ("2026-03-15T14:00:00+02:00", datetime(2026, 3, 15, 12, tzinfo=timezone.utc)),
])
def test_at_parses_iso_8601_in_utc(text, expected):
    at = cli._instant(text)
    assert at == expected and at.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("args, says", [
    (["validate", "--at", "yesterday"], "argument --at: 'yesterday' is not an ISO-8601"),
    (["validate", "--at", "2026-13-01"], "argument --at"),
    (["validate", "--warn-days", "-3"], "argument --warn-days: '-3' is not a whole number"),
    (["validate", "--warn-days", "ten"], "argument --warn-days"),
    (["validate", "--format", "xml"], "argument --format"),
    (["validate", "--fail-on", "fatal"], "argument --fail-on"),
    (["validate", "no/such/dir"], "no such file or directory: no/such/dir"),
])
def test_usage_errors_exit_2_with_a_clear_line(elbtls_main, tmp_path, args, says):
    r = elbtls_main(*args, cwd=tmp_path)
    assert r.status == 2 and says in r.err and "Traceback" not in r.err


def test_config_error_exits_2_naming_file_and_key(elbtls_main, tmp_path):
    (tmp_path / ".elbtls.toml").write_text('fail-on = "warning"\nignore = ["x"]\n')
    (tmp_path / "main.tf").write_text("")
    r = elbtls_main("validate", cwd=tmp_path)
    assert r.status == 2
    assert r.err.strip() == (f"elbtls: error: {tmp_path / '.elbtls.toml'}: unknown key 'ignore'; "
                             "known keys: disable, severity, warn-days, fail-on, exclude")


def test_flags_override_the_config_file(elbtls_main, tmp_path, monkeypatch):
    (tmp_path / ".elbtls.toml").write_text('fail-on = "warning"\nwarn-days = 7\n')
    seen = {}

    def run(paths, ctx, config, *, live=False):
        seen.update(warn_days=ctx.warn_days, at=ctx.at, live=live, paths=paths)
        return engine.Report((finding("missing-san", "no SAN", Where(file="x.pem")),), 1, ctx.at)

    monkeypatch.setattr(engine, "run", run)
    assert elbtls_main("validate", cwd=tmp_path).status == 1                 # the file's fail-on
    assert seen["warn_days"] == 7 and seen["paths"] == ["."]
    assert elbtls_main("validate", "--fail-on", "error", "--warn-days", "60", "--at", "2026-01-02").status == 0
    assert seen == {"warn_days": 60, "at": datetime(2026, 1, 2, tzinfo=timezone.utc), "live": False, "paths": ["."]}


# --- failures never show a traceback ----------------------------------------------------

def test_unexpected_exception_is_one_line_exit_2(elbtls_main, tmp_path, monkeypatch):
    def explode(*a, **k):
        raise RuntimeError("kaboom\nsecond line")

    monkeypatch.setattr(engine, "run", explode)
    r = elbtls_main("validate", cwd=tmp_path)
    assert r.status == 2 and r.out == ""
    assert r.err == "elbtls: error: internal error: RuntimeError: kaboom second line (please report this)\n"


def test_internal_fault_is_one_line_exit_2(elbtls_main, tmp_path, monkeypatch):
    def fault(*a, **k):
        raise engine.InternalFault("internal error in check elb.check_ports while checking main.tf: KeyError: 'x'")

    monkeypatch.setattr(engine, "run", fault)
    r = elbtls_main("validate", "--format", "sarif", cwd=tmp_path)
    assert (r.status, r.out) == (2, "")
    assert r.err == "elbtls: error: internal error in check elb.check_ports while checking main.tf: KeyError: 'x'\n"


def no_aws_credentials(tmp_path: Path) -> dict:
    """Environment overrides under which boto3 finds no credentials at all."""
    empty = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
             "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
             "AWS_WEB_IDENTITY_TOKEN_FILE")
    return {**dict.fromkeys(empty, ""), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}


def test_audit_without_credentials_exits_2(elbtls_process, tmp_path):
    env = no_aws_credentials(tmp_path)
    r = elbtls_process("audit", "--region", "us-east-1", cwd=tmp_path, env=env)
    assert r.status == 2 and r.out == ""
    assert r.err.startswith("elbtls: error: ") and len(r.err.splitlines()) == 1 and "Traceback" not in r.err


# --- output -----------------------------------------------------------------------------

REPORTED = (finding("listener-missing-certificate", "no cert", Where(file="main.tf", line=3, resource="aws_elb.web")),)


@pytest.fixture
def one_error(monkeypatch):
    monkeypatch.setattr(engine, "run", lambda paths, ctx, config, *, live=False:
                        engine.Report(engine.configure(REPORTED, config), 1, ctx.at))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_output_file_is_written_whole_and_nothing_else_is_left(elbtls_main, tmp_path, one_error, fmt):
    target = tmp_path / "out" / f"report.{fmt}"
    target.parent.mkdir()
    target.write_text("old")
    r = elbtls_main("validate", "--format", fmt, "--output", str(target), "--at", "2026-06-01", cwd=tmp_path)
    assert (r.status, r.out) == (1, "")
    body = target.read_text()
    assert "ELBTLS505" in body
    if fmt != "text":
        json.loads(body)
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_failed_write_keeps_the_old_report_and_leaves_no_temp_file(elbtls_main, tmp_path, one_error, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "fsync", broken_fsync)
    r = elbtls_main("validate", "--format", "json", "--output", str(target), cwd=tmp_path)
    assert r.status == 2 and "cannot write: No space left on device" in r.err
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_output_into_a_missing_directory_is_a_usage_error(elbtls_main, tmp_path, one_error):
    r = elbtls_main("validate", "--output", str(tmp_path / "nope" / "r.json"), cwd=tmp_path)
    assert r.status == 2 and "cannot write there" in r.err


def test_colour_only_on_a_terminal_without_no_color(tmp_path, monkeypatch, capsys, one_error):
    monkeypatch.chdir(tmp_path)

    def run(tty: bool, no_color: str | None) -> str:
        monkeypatch.setattr(sys.stdout, "isatty", lambda: tty, raising=False)
        if no_color is None:
            monkeypatch.delenv("NO_COLOR", raising=False)
        else:
            monkeypatch.setenv("NO_COLOR", no_color)
        with pytest.raises(SystemExit):
            cli.main(["validate"])
        return capsys.readouterr().out

    assert "\033[" in run(True, None)
    assert "\033[" not in run(True, "1")
    assert "\033[" not in run(False, None)


def test_broken_pipe_is_quiet(tmp_path):
    code = "import sys\nfrom elbtls.validators import cli\ncli.main(['rules'])"
    done = subprocess.run(f"{sys.executable} -c \"{code}\" | head -1", shell=True, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.startswith("ELBTLS001") and done.stderr == ""


# --- end to end on real files -------------------------------------------------------------



def rules_in(out: str) -> list[str]:
    return [f["rule"] for f in json.loads(out)["findings"]]


def test_exit_status_follows_the_findings(elbtls_main, tmp_path):
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "main.tf").write_text(elb_without_certificate().replace('"https"', '"http"'))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "main.tf").write_text(elb_without_certificate())
    assert elbtls_main("validate", "clean", cwd=tmp_path).status == 0
    r = elbtls_main("validate", "--format", "json", "bad", cwd=tmp_path)
    assert r.status == 1
    first = json.loads(r.out)["findings"][0]
    assert (first["file"], first["rule"]) == ("bad/main.tf", "listener-missing-certificate")


def test_suppression_comment_and_fail_on(elbtls_main, tmp_path):
    ignore = "  # elbtls:ignore=listener-missing-certificate terminated upstream, tracked in OPS-1"
    (tmp_path / "main.tf").write_text(elb_without_certificate(ignore))
    r = elbtls_main("validate", "--format", "json", cwd=tmp_path)
    assert r.status == 0 and rules_in(r.out) == ["ssl-policy-outdated"]            # a warning is left
    assert elbtls_main("validate", "--fail-on", "warning", cwd=tmp_path).status == 1
    (tmp_path / "main.tf").write_text(elb_without_certificate("  # elbtls:ignore=listener-missing-certificate"))
    r = elbtls_main("validate", "--format", "json", cwd=tmp_path)
    assert r.status == 0 and sorted(rules_in(r.out)) == ["ssl-policy-outdated", "suppression-invalid"]


def test_config_file_disables_regrades_and_excludes(elbtls_main, tmp_path):
    (tmp_path / "main.tf").write_text(elb_without_certificate())
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "main.tf").write_text(elb_without_certificate())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.elbtls]\ndisable = ["ssl-policy-outdated"]\nexclude = ["examples"]\n'
        'severity = { listener-missing-certificate = "warning" }\n')
    r = elbtls_main("validate", "--format", "json", cwd=tmp_path)
    assert r.status == 0
    assert [(f["file"], f["rule"], f["severity"]) for f in json.loads(r.out)["findings"]] == [
        ("./main.tf", "listener-missing-certificate", "warning")]


def test_at_and_warn_days_reach_the_certificate_rules(elbtls_main, tmp_path):
    from . import certs

    not_before = datetime(2026, 1, 1, tzinfo=timezone.utc)
    leaf = certs.make_leaf(not_before=not_before, days=90)           # notAfter 2026-04-01
    (tmp_path / "leaf.pem").write_text(leaf.cert_pem)

    def rules(*args):
        r = elbtls_main("validate", "--format", "json", *args, "leaf.pem", cwd=tmp_path)
        return r.status, set(rules_in(r.out)) & {"cert-expired", "cert-not-yet-valid", "cert-expiring-soon"}

    assert rules("--at", "2026-01-15") == (0, set())
    assert rules("--at", "2026-01-15", "--warn-days", "80") == (0, {"cert-expiring-soon"})
    assert rules("--at", "2026-05-01") == (1, {"cert-expired"})
    assert rules("--at", "2025-12-31T23:59:59") == (1, {"cert-not-yet-valid"})
    evaluated = json.loads(elbtls_main("validate", "--format", "json", "--at", "2026-01-15T10:00:00",
                                       "leaf.pem", cwd=tmp_path).out)["evaluated_at"]
    assert evaluated == "2026-01-15T10:00:00Z"


def test_a_crashing_rule_is_exit_2_naming_check_and_file(elbtls_main, tmp_path, monkeypatch):
    from elbtls.validators import rules

    real = rules.all_checks

    def check_listener_names(project, ctx):
        for lb in project.load_balancers:
            lb.name.upper()                 # a bug: name is a Ref here
        return []

    monkeypatch.setattr(rules, "all_checks", lambda: [*real(), check_listener_names])
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "main.tf").write_text(elb_without_certificate().replace('"web"\n', 'var.name\n', 1))
    r = elbtls_main("validate", "--format", "sarif", "stack", cwd=tmp_path)
    assert (r.status, r.out) == (2, "")
    assert r.err.startswith("elbtls: error: internal error in check test_cli.test_a_crashing_rule_is_exit_2_naming_"
                            "check_and_file.<locals>.check_listener_names while checking stack/main.tf: ")
    assert len(r.err.splitlines()) == 1


def test_live_without_credentials_is_exit_2(elbtls_process, tmp_path):
    (tmp_path / "main.tf").write_text(elb_without_certificate())
    env = no_aws_credentials(tmp_path)
    r = elbtls_process("validate", "--live", cwd=tmp_path, env=env)
    assert r.status == 2 and r.out == "" and len(r.err.splitlines()) == 1 and "Traceback" not in r.err
