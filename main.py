"""The CDK app that cdktf.json runs (`npx cdktn synth --hcl`, `npx cdktf synth --hcl`), or run
it directly: `.venv/bin/python main.py`. It synthesizes the stacks of the stack config
named by ELBTLS_STACKS (default: examples/elbtls.stacks.toml) into cdktf.out/stacks/<name>/.
ELBTLS_CDK=cdktf selects CDKTF instead of CDK Terrain. Needs no AWS credentials.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_STACKS = "examples/elbtls.stacks.toml"


def main() -> int:
    from elbtls.validators.stackconfig import StackConfigError, load

    path = os.environ.get("ELBTLS_STACKS") or DEFAULT_STACKS
    try:
        config = load(path)
    except StackConfigError as e:
        print(f"elbtls: {e}", file=sys.stderr)
        return 2
    # HCL (cdk.tf) unless the CLI says otherwise; set before the jsii kernel starts.
    os.environ.setdefault("SYNTH_HCL_OUTPUT", "true")
    from elbtls.modules.stack import SynthError, synth

    try:
        synth(config, Path(path).parent)
    except SynthError as e:
        print(f"elbtls: synth failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
