"""The configuration file: where it is found, what it accepts, and that every mistake in it
is a usage error naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from elbtls.validators import config
from elbtls.validators.config import Config, ConfigError
from elbtls.validators.findings import Severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path):
    assert config.load(start=tmp_path) == Config()


def test_reads_every_key_from_elbtls_toml(tmp_path):
    write(tmp_path / ".elbtls.toml", """
disable = ["missing-san"]
severity = { cert-expiring-soon = "error", too-many-sans = "info" }
warn-days = 45
fail-on = "warning"
exclude = ["examples/**"]
""")
    c = config.load(start=tmp_path)
    assert c.disable == {"missing-san"}
    assert c.severity == {"cert-expiring-soon": Severity.ERROR, "too-many-sans": Severity.INFO}
    assert (c.warn_days, c.fail_on, c.exclude) == (45, Severity.WARNING, ("examples/**",))
    assert c.source == tmp_path / ".elbtls.toml"


def test_found_upwards_in_pyproject_and_pyproject_without_table_is_passed_over(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.elbtls]\nwarn-days = 10\n')
    write(tmp_path / "infra" / "pyproject.toml", '[project]\nname = "x"\n')
    deep = tmp_path / "infra" / "stacks" / "web"
    deep.mkdir(parents=True)
    assert config.load(start=deep).warn_days == 10


def test_elbtls_toml_wins_over_pyproject_in_one_directory(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.elbtls]\nwarn-days = 10\n')
    write(tmp_path / ".elbtls.toml", 'warn-days = 20\n')
    assert config.load(start=tmp_path).warn_days == 20


def test_nearest_file_wins(tmp_path):
    write(tmp_path / ".elbtls.toml", 'warn-days = 20\n')
    write(tmp_path / "sub" / ".elbtls.toml", 'warn-days = 5\n')
    assert config.load(start=tmp_path / "sub").warn_days == 5


def test_explicit_file_and_explicit_pyproject(tmp_path):
    own = write(tmp_path / "custom.toml", 'fail-on = "info"\n')
    assert config.load(own).fail_on == Severity.INFO
    pyproject = write(tmp_path / "x" / "pyproject.toml", '[tool.elbtls]\ndisable = ["missing-san"]\n')
    assert config.load(pyproject).disable == {"missing-san"}


@pytest.mark.parametrize("text, named", [
    ('disabled = ["missing-san"]\n', "'disabled' (did you mean disable?)"),
    ('disable = ["missing-sans"]\n', "unknown rule 'missing-sans'"),
    ('severity = { no-such-rule = "error" }\n', "unknown rule 'no-such-rule'"),
    ('severity = { missing-san = "fatal" }\n', "'severity.missing-san'"),
    ('fail-on = "critical"\n', "'fail-on'"),
    ('warn-days = -1\n', "'warn-days'"),
    ('warn-days = true\n', "'warn-days'"),
    ('warn-days = "30"\n', "'warn-days'"),
    ('exclude = "examples"\n', "'exclude'"),
    ('disable = "missing-san"\n', "'disable'"),
    ('severity = ["missing-san"]\n', "'severity'"),
    ('warn-days = \n', "not valid TOML"),
])
def test_mistakes_name_the_file_and_the_key(tmp_path, text, named):
    path = write(tmp_path / ".elbtls.toml", text)
    with pytest.raises(ConfigError) as e:
        config.load(start=tmp_path)
    assert str(e.value).startswith(f"{path}: ")
    assert named in str(e.value)


def test_unknown_key_in_pyproject_table(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[tool.elbtls]\nfail_on = "warning"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: unknown key 'fail_on' \(did you mean fail-on\?\)"):
        config.load(start=tmp_path)
    assert path.exists()


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        config.load(tmp_path / "nope.toml")


def test_unreadable_bytes(tmp_path):
    write(tmp_path / ".elbtls.toml", "")
    (tmp_path / ".elbtls.toml").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ConfigError, match=r"\.elbtls\.toml: "):
        config.load(start=tmp_path)


@pytest.mark.parametrize("pattern, path, excluded", [
    ("examples/**", "examples/a/main.tf", True),
    ("examples", "examples/a/main.tf", True),          # a directory excludes what is below it
    ("examples/", "examples/main.tf", True),
    ("*.generated.tf", "stacks/web/x.generated.tf", True),  # a bare name pattern matches anywhere
    ("examples/**", "stacks/examples.tf", False),
    ("stacks/*/certs", "stacks/web/certs/leaf.pem", True),
    ("stacks/*/certs", "stacks/web/main.tf", False),
])
def test_exclude_patterns_are_relative_to_the_config_file(tmp_path, monkeypatch, pattern, path, excluded):
    write(tmp_path / ".elbtls.toml", f'exclude = ["{pattern}"]\n')
    sub = tmp_path / "stacks"
    sub.mkdir(exist_ok=True)
    monkeypatch.chdir(sub)                 # the user runs from below the config file
    c = config.load()
    relative_to_cwd = str(Path("..") / path)
    assert c.excludes(relative_to_cwd) is excluded
    assert c.excludes(str(tmp_path / path)) is excluded
