"""The bundled example (examples/elbtls.stacks.toml), synthesized once per test process the way
`make synth` does it: the CDK CLI, `terraform fmt`, then the validator over the output. It goes
to a temporary directory, so a user's cdktf.out is never touched; the end-to-end and Checkov
tests share it.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "examples" / "elbtls.stacks.toml"

_synthesized: dict[str, Path] = {}


def synthesized_example() -> Path:
    """The output directory (holding stacks/<name>/cdk.tf); AssertionError with the synth's
    output when it fails."""
    if "outdir" not in _synthesized:
        base = Path(tempfile.mkdtemp(prefix="elbtls-example-"))
        atexit.register(shutil.rmtree, base, ignore_errors=True)
        outdir = base / "cdktf.out"  # synth creates it
        proc = subprocess.run([sys.executable, "-m", "elbtls.modules.synth", "--config", str(EXAMPLE_CONFIG),
                               "--outdir", str(outdir)],
                              cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
        assert proc.returncode == 0, \
            f"synth of {EXAMPLE_CONFIG} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        assert list(outdir.glob("stacks/*/cdk.tf")), f"synth wrote no stacks/*/cdk.tf under {outdir}"
        _synthesized["outdir"] = outdir
    return _synthesized["outdir"]
