"""Run the real `terraform` binary offline: providers come from a local filesystem mirror.

The public registries are out of reach in CI, so Terraform gets a CLI configuration that
installs hashicorp/aws from a mirror directory (`ELBTLS_TF_PROVIDER_MIRROR`, default
/opt/tf-plugins when present) and nothing from the network, plus a shared plugin cache.
Each run gets a clean environment: the caller's AWS_* and TF_* variables never leak in, so a
test talks only to the moto server whose variables it passes.

Also a small command line for the Makefile and for users without registry access:
    python -m tests.terraform cli-config FILE   # write the CLI configuration, print its path
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIRROR_ENV = "ELBTLS_TF_PROVIDER_MIRROR"
DEFAULT_MIRROR = Path("/opt/tf-plugins")
# The only provider the configurations use; everything else would need the registry.
MIRRORED_PROVIDERS = ("registry.terraform.io/hashicorp/aws",)
# Shared by every run and every working directory: providers are linked from here, not copied.
# A TF_PLUGIN_CACHE_DIR the caller set wins.
PLUGIN_CACHE = Path(os.environ.get("TF_PLUGIN_CACHE_DIR") or ROOT / ".elbtls-cache" / "terraform-plugins")
# In the armour of every PEM private key (PKCS#8, RSA, EC, encrypted).
PRIVATE_KEY_MARK = "PRIVATE KEY-----"
# A terraform run that takes longer than this is stuck (moto answers in milliseconds).
TIMEOUT_S = 600


def provider_mirror() -> Path | None:
    """The mirror directory, or None when there is none (tests then skip, saying why)."""
    configured = os.environ.get(MIRROR_ENV)
    if configured:
        return Path(configured)
    return DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None


def mirror_problem() -> str | None:
    """Why the mirror cannot serve the providers, or None when it can."""
    mirror = provider_mirror()
    if mirror is None:
        return f"no provider mirror: set {MIRROR_ENV} or populate {DEFAULT_MIRROR}"
    missing = [p for p in MIRRORED_PROVIDERS if not mirror.joinpath(*p.split("/")).is_dir()]
    if missing:
        return f"the provider mirror {mirror} holds no {', '.join(missing)} (set {MIRROR_ENV})"
    return None


def _hcl_string(value: str) -> str:
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def cli_config_text(mirror: Path) -> str:
    """A Terraform CLI configuration installing MIRRORED_PROVIDERS from `mirror` only."""
    include = ", ".join(_hcl_string(p) for p in MIRRORED_PROVIDERS)
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {_hcl_string(str(mirror))}\n"
        f"    include = [{include}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{include}]\n"
        "  }\n"
        "}\n"
    )


def write_cli_config(path: Path, mirror: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cli_config_text(mirror))
    return path


class TerraformError(RuntimeError):
    """A terraform command failed; the message carries its output (never a private key:
    keys reach terraform only as sensitive TF_VAR_ variables, which it does not print)."""


@dataclass
class Terraform:
    """One working directory and the settings every command in it shares."""

    workdir: Path
    cli_config: Path
    # Variables for this directory's runs: the moto endpoint and credentials, TF_VAR_*.
    env: dict[str, str] = field(default_factory=dict)
    plugin_cache: Path = PLUGIN_CACHE
    # Where `.terraform` goes (TF_DATA_DIR); None = in the working directory.
    data_dir: Path | None = None

    @classmethod
    def offline(cls, workdir: Path, scratch: Path, env: dict[str, str]) -> "Terraform":
        """Terraform in `workdir` installing providers from the mirror; its CLI configuration
        and `.terraform` go under `scratch`, so a shared configuration directory stays clean."""
        problem = mirror_problem()
        if problem:
            raise TerraformError(problem)
        return cls(workdir, write_cli_config(scratch / "terraform.tfrc", provider_mirror()), env,
                   data_dir=scratch / ".terraform")

    def base_env(self) -> dict[str, str]:
        """A minimal environment: PATH and HOME from the caller, nothing AWS or TF."""
        self.plugin_cache.mkdir(parents=True, exist_ok=True)
        keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
        return {
            **keep,
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_PLUGIN_CACHE_DIR": str(self.plugin_cache),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            **({"TF_DATA_DIR": str(self.data_dir)} if self.data_dir else {}),
            **self.env,
        }

    def run(self, *args: str, holds_secrets: bool = False) -> str:
        """Run `terraform ARGS` in the working directory; return stdout or raise with the output.
        Output that shows private-key material raises without it, unless the command's output
        is known to hold secrets (`show -json`) and the caller keeps it to itself."""
        cmd = ["terraform", f"-chdir={self.workdir}", *args]
        proc = subprocess.run(cmd, env=self.base_env(), capture_output=True, text=True,
                              timeout=TIMEOUT_S, check=False)
        if not holds_secrets and PRIVATE_KEY_MARK in proc.stdout + proc.stderr:
            raise TerraformError(f"`terraform {' '.join(args)}` in {self.workdir} printed private-key material "
                                 "(output withheld): mark the value sensitive")
        if proc.returncode != 0:
            raise TerraformError(f"`terraform {' '.join(args)}` in {self.workdir} exited "
                                 f"{proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc.stdout

    def init(self) -> str:
        return self.run("init", "-input=false", "-no-color")

    def validate(self) -> str:
        return self.run("validate", "-no-color")

    def apply(self) -> str:
        return self.run("apply", "-auto-approve", "-input=false", "-no-color")

    def destroy(self) -> str:
        return self.run("destroy", "-auto-approve", "-input=false", "-no-color")

    def show_json(self) -> str:
        """The state as JSON (holds sensitive values in clear: parse it, never print it)."""
        return self.run("show", "-json", holds_secrets=True)

    def state_resources(self) -> list[str]:
        """Addresses in the state (empty after a complete destroy)."""
        return self.run("state", "list").split()


def terraform_available() -> str | None:
    """Why the end-to-end tests cannot run here, or None when they can."""
    if shutil.which("terraform") is None:
        return "terraform is not on PATH"
    return mirror_problem()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "cli-config":
        print("usage: python -m tests.terraform cli-config FILE", file=sys.stderr)
        return 2
    problem = mirror_problem()
    if problem:
        print(f"tf-mirror: {problem}", file=sys.stderr)
        return 2
    print(write_cli_config(Path(argv[1]).resolve(), provider_mirror()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
