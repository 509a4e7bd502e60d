"""The pre-commit hook, end to end: the real `pre-commit` installs this project (as the
working tree is now) from a local git repository into a fresh environment, and a
`git commit` with a defective Terraform file is blocked while a clean one goes through.

Slow (pre-commit builds a virtualenv and installs the dependencies), so the hook
environment is built once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .samples import elb_without_certificate

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1"}

DEFECT = elb_without_certificate()
CLEAN = DEFECT.replace('"https"', '"http"').replace("443", "80")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(*args: str, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check,
                          timeout=600)


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory):
    """(environment, hook repository, its commit): the working tree committed into a
    throw-away repository, and a PRE_COMMIT_HOME holding its installed hook environment."""
    base = tmp_path_factory.mktemp("precommit")
    env = {**os.environ, **GIT_ENV, "HOME": str(base), "PRE_COMMIT_HOME": str(base / "cache")}
    env.pop("PRE_COMMIT", None)
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    repo = base / "elbtls"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git("init", "-q", cwd=repo, env=env)
    git("add", "-A", cwd=repo, env=env)
    git("commit", "-q", "-m", "working tree", cwd=repo, env=env)
    sha = git("rev-parse", "HEAD", cwd=repo, env=env).stdout.strip()

    # Build the hook environment once, in a repository used for nothing else.
    warm = user_repo(base / "warm", env, repo, sha)
    done = subprocess.run([str(PRE_COMMIT), "install-hooks"], cwd=warm, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return env, repo, sha


def user_repo(path: Path, env: dict, hook_repo: Path, sha: str) -> Path:
    """A git repository whose .pre-commit-config.yaml uses the elbtls hook at `sha`."""
    path.mkdir(parents=True)
    git("init", "-q", cwd=path, env=env)
    (path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {sha}\n    hooks:\n      - id: elbtls\n")
    done = subprocess.run([str(PRE_COMMIT), "install"], cwd=path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    git("add", ".pre-commit-config.yaml", cwd=path, env=env)
    git("commit", "-q", "-m", "config", cwd=path, env=env)
    return path


def commit(repo: Path, env: dict, name: str, text: str) -> subprocess.CompletedProcess:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text)
    git("add", name, cwd=repo, env=env)
    return git("commit", "-m", f"add {name}", cwd=repo, env=env, check=False)


def commits(repo: Path, env: dict) -> int:
    return int(git("rev-list", "--count", "HEAD", cwd=repo, env=env).stdout)


def test_hook_blocks_a_commit_with_a_defect_and_shows_the_finding(hook_env, tmp_path):
    env, hook_repo, sha = hook_env
    repo = user_repo(tmp_path / "user", env, hook_repo, sha)
    done = commit(repo, env, "infra/main.tf", DEFECT)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "infra/main.tf:5: error" in output and "listener-missing-certificate" in output, output
    assert "Traceback" not in output
    assert commits(repo, env) == 1


def test_hook_lets_a_clean_commit_through(hook_env, tmp_path):
    env, hook_repo, sha = hook_env
    repo = user_repo(tmp_path / "user", env, hook_repo, sha)
    done = commit(repo, env, "infra/main.tf", CLEAN)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "elbtls" in done.stdout + done.stderr and "Passed" in done.stdout + done.stderr
    assert commits(repo, env) == 2


def test_hook_ignores_files_it_does_not_check(hook_env, tmp_path):
    env, hook_repo, sha = hook_env
    repo = user_repo(tmp_path / "user", env, hook_repo, sha)
    done = commit(repo, env, "notes.txt", DEFECT)
    assert done.returncode == 0 and "no files to check" in done.stdout + done.stderr
