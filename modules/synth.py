"""`make synth`: synthesize the stack config to HCL with the CDK CLI, `terraform fmt` it, run
the validator over the result and say where it went.

    python -m elbtls.modules.synth [--cli cdktn|cdktf|none] [--config FILE] [--outdir DIR]

`--cli` defaults to the flavour ELBTLS_CDK selects; `none` runs main.py without a CLI (what
the benchmark times). The CLIs format HCL but leave `"${...}"` wrappers that `terraform fmt`
removes, so fmt runs after every synth. No CDK import here: the CLI or main.py does that in
a process of its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import node

DEFAULT_CONFIG = "examples/elbtls.stacks.toml"


def synth(cli: str, config: str, outdir: str, extra_env: dict[str, str] | None = None,
          root: str | os.PathLike = ".") -> subprocess.CompletedProcess:
    """Run one synth of `config` into `outdir` in `root` (the directory with cdktf.json,
    main.py and node_modules); output captured. `outdir` and any missing parents are created
    first: the CDK's App makes only the last level and fails with ENOENT otherwise."""
    Path(outdir).resolve().mkdir(parents=True, exist_ok=True)
    env = node.env({**os.environ, **(extra_env or {})})
    env.update({"ELBTLS_STACKS": str(Path(config).resolve()), "CDKTF_OUTDIR": str(Path(outdir).resolve()),
                "SYNTH_HCL_OUTPUT": "true"})
    if cli != "none":
        env["ELBTLS_CDK"] = cli  # the app's library must match the CLI
    if cli == "none":
        command = [sys.executable, "main.py"]
    else:
        command = node.command("npx", ["--no-install", cli, "synth", "--hcl", "--output", str(Path(outdir).resolve())])
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)


def stack_files(outdir: str | os.PathLike) -> list[Path]:
    return sorted(Path(outdir).glob("stacks/*/cdk.tf"))


def terraform_fmt(outdir: str | os.PathLike) -> None:
    """Rewrite the synthesized HCL in terraform's canonical format (a no-op when clean)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        raise SystemExit("elbtls synth: terraform is not on PATH; it is needed to format the HCL")
    subprocess.run([terraform, "fmt", "-list=false", "-recursive", str(Path(outdir) / "stacks")],
                   check=True, capture_output=True, text=True)


def validate(paths: list[str]) -> int:
    """The validator's exit status over `paths` (its report goes to stdout)."""
    script = Path(sys.executable).with_name("elbtls")
    command = [str(script)] if script.exists() else [sys.executable, "-c",
                                                     "from elbtls.validators.cli import main; main()"]
    return subprocess.run([*command, "validate", *paths]).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m elbtls.modules.synth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", choices=["cdktn", "cdktf", "none"], default=os.environ.get("ELBTLS_CDK", "cdktn"))
    parser.add_argument("--config", default=os.environ.get("ELBTLS_STACKS", DEFAULT_CONFIG))
    parser.add_argument("--outdir", default="cdktf.out")
    args = parser.parse_args(argv)
    if not Path("cdktf.json").exists():
        print("elbtls synth: run it from the repository root (where cdktf.json is)", file=sys.stderr)
        return 2
    done = synth(args.cli, args.config, args.outdir)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        print(f"elbtls synth: {args.cli} synth failed (exit {done.returncode})", file=sys.stderr)
        return 1
    terraform_fmt(args.outdir)
    files = stack_files(args.outdir)
    print(f"Synthesized {args.config} with {args.cli} into {args.outdir}:")
    for f in files:
        print(f"  {os.path.relpath(f)}")
    print("Validating the synthesized stacks:")
    status = validate([args.outdir, args.config])
    for f in files:
        print(f"Apply: terraform -chdir={os.path.relpath(f.parent)} init && terraform -chdir={os.path.relpath(f.parent)} apply")
    return status


if __name__ == "__main__":
    sys.exit(main())
