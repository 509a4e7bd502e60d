"""Shared fixtures: run the `elbtls` command as a user would (a real process) or in-process
(fast), each giving back (status, stdout, stderr); a moto server per test module with a
clean account per test, and a test CA. Other fixtures live in the test files that need them."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ELBTLS = Path(sys.executable).with_name("elbtls")


@dataclass
class Result:
    status: int
    out: str
    err: str


@pytest.fixture
def elbtls_process():
    """Run the installed `elbtls` script in a fresh process: `elbtls_process(*args, cwd=...)`."""

    def run(*args: str, cwd: Path | str | None = None, env: dict | None = None) -> Result:
        environment = {**os.environ, **(env or {})}
        done = subprocess.run([str(ELBTLS), *args], cwd=cwd, env=environment, capture_output=True,
                              text=True, timeout=120)
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def elbtls_main(capsys, monkeypatch):
    """Run `cli.main(args)` in this process from `cwd`: `elbtls_main(*args, cwd=...)`."""
    from elbtls.validators import cli

    def run(*args: str, cwd: Path | str | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            cli.main(list(args))
        captured = capsys.readouterr()
        return Result(exit_.value.code, captured.out, captured.err)

    return run


@pytest.fixture(scope="module")
def moto():
    """A real moto server on loopback, shared by the tests of one module."""
    from tests.awsmock import MotoServer

    with MotoServer() as server:
        yield server


@pytest.fixture
def aws(moto):
    """A clean moto account, with AWS_ENDPOINT_URL and test credentials in the environment."""
    from tests.livekit import aws_env

    moto.reset()
    with aws_env(moto.env()):
        yield moto.url


@pytest.fixture(scope="module")
def ca():
    from tests.certs import make_ca

    return make_ca()


# In CI nothing may be skipped: a skip there means a missing install step, so it fails the run.
_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") and _skipped:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if os.environ.get("CI") and _skipped:
        terminalreporter.write_line(f"CI fails: {len(_skipped)} test(s) skipped: {', '.join(_skipped[:5])}", red=True)
