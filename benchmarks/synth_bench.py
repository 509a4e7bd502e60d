"""Synth benchmark: wall time and peak memory of the synth step (`python main.py`, what the CDK
CLI runs) for the bundled example and for a generated config of 50 stacks, under CDK Terrain
(cdktn) and CDKTF (cdktf), side by side.

- cold: the first run with an empty bytecode cache (PYTHONPYCACHEPREFIX pointing at a fresh
  directory), as after installing; the jsii kernel always starts afresh.
- warm: the median of --repeat further runs with that cache filled.
- peak RSS: the largest sum of resident memory over the whole process tree (Python and the
  jsii Node.js kernel), sampled every 20 ms, over the warm runs.

Targets (cdktn, warm): the example in 5 s or less, 50 stacks in 8 s or less. Timings depend
on the machine's load; `--check` makes a missed target the exit status (1).

    python benchmarks/synth_bench.py [--repeat 3] [--flavour cdktn --flavour cdktf] [--stacks 50] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "elbtls.stacks.toml"
TARGETS = {"example": 5.0, "stacks": 8.0}  # warm seconds under cdktn
REGIONS = ("eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2", "us-west-2")


def many_stacks(n: int) -> str:
    """A stack config of `n` stacks, each a DNS-validated certificate and an HTTPS load balancer."""
    parts = ["version = 1\n"]
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        parts.append(f"""
[[stacks]]
name = "bench-{i:03d}"
region = "{region}"

[[stacks.certificates]]
id = "cert-{i:03d}"
kind = "requested"
domain_name = "www{i}.example.com"
subject_alternative_names = ["api{i}.example.com", "*.www{i}.example.com"]
zones = {{ "example.com" = "Z0123456789ABC" }}

[[stacks.load_balancers]]
id = "lb-{i:03d}"
name = "bench-{i:03d}"
availability_zones = ["{region}a"]
hosts = ["www{i}.example.com"]
listeners = [{{ lb_port = 443, lb_protocol = "HTTPS", instance_port = 80, instance_protocol = "HTTP", certificate = "cert-{i:03d}" }}]
""")
    return "".join(parts)


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of `root_pid` and all its descendants, in KiB (0 once it is gone)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    parents[int(entry.name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid and c not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            continue
    return total


@dataclass
class Run:
    seconds: float
    peak_mb: float


def synth_once(flavour: str, config: Path, pycache: Path) -> Run:
    with tempfile.TemporaryDirectory(prefix="elbtls-bench-") as outdir:
        env = {**os.environ, "ELBTLS_CDK": flavour, "ELBTLS_STACKS": str(config), "CDKTF_OUTDIR": outdir,
               "SYNTH_HCL_OUTPUT": "true", "PYTHONPYCACHEPREFIX": str(pycache)}
        peak = 0
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "main.py"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss_kb(proc.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = proc.communicate()
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        if proc.returncode != 0:
            raise SystemExit(f"synth of {config} under {flavour} failed ({proc.returncode}):\n{out}\n{err}")
        written = len(list(Path(outdir).glob("stacks/*/cdk.tf")))
        if written == 0:
            raise SystemExit(f"synth of {config} under {flavour} wrote no stacks")
        return Run(elapsed, peak / 1024)


def measure(flavour: str, config: Path, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="elbtls-pycache-") as pycache:
        cold = synth_once(flavour, config, Path(pycache))
        warm = [synth_once(flavour, config, Path(pycache)) for _ in range(repeat)]
    return {"cold_s": cold.seconds, "warm_s": statistics.median(r.seconds for r in warm),
            "peak_mb": max(r.peak_mb for r in warm)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per measurement (median)")
    parser.add_argument("--flavour", action="append", choices=["cdktn", "cdktf"], help="default: both")
    parser.add_argument("--stacks", type=int, default=50)
    parser.add_argument("--check", action="store_true", help="exit 1 when a cdktn target is missed")
    args = parser.parse_args(argv)
    flavours = args.flavour or ["cdktn", "cdktf"]
    with tempfile.TemporaryDirectory(prefix="elbtls-bench-config-") as tmp:
        generated = Path(tmp) / "elbtls.stacks.toml"
        generated.write_text(many_stacks(args.stacks))
        workloads = {"example": EXAMPLE, "stacks": generated}
        results = {(w, f): measure(f, path, args.repeat) for w, path in workloads.items() for f in flavours}

    names = {"example": "example (2 stacks)", "stacks": f"{args.stacks} stacks"}
    head = f"{'workload':<20}" + "".join(f"{f + ' ' + m:>16}" for f in flavours for m in ("cold s", "warm s", "peak MB"))
    print(head)
    for w in workloads:
        row = f"{names[w]:<20}"
        for f in flavours:
            r = results[(w, f)]
            row += f"{r['cold_s']:>16.2f}{r['warm_s']:>16.2f}{r['peak_mb']:>16.0f}"
        print(row)
    failed = False
    if "cdktn" in flavours:
        for w, limit in TARGETS.items():
            warm = results[(w, "cdktn")]["warm_s"]
            verdict = "ok" if warm <= limit else "MISSED"
            failed |= warm > limit
            print(f"target: {names[w]} warm under cdktn <= {limit:.0f} s: {warm:.2f} s {verdict}")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
