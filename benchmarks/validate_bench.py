"""How fast is `elbtls validate`, whole process included, and how does it compare with checkov?

Builds trees of N stacks (one directory each: an aws_elb with an HTTPS listener, an
imported aws_acm_certificate read from PEM files with a chain, and a TLS policy attached
through aws_load_balancer_policy + aws_load_balancer_listener_policy), times
`elbtls validate DIR` and `checkov -d DIR --framework terraform --quiet --compact` over each,
and prints seconds, µs per stack, peak RSS and the speed ratio, flagging the targets:
10 stacks < 0.5 s, 1000 stacks < 5 s, >= 20x faster than checkov, linear cost.

    python benchmarks/validate_bench.py [--sizes 10,100,1000] [--no-checkov] [--repeat 3]

elbtls runs as users get it from pre-commit or `pip install`: a non-editable install with
only its runtime dependencies, in .venv-bench (the working tree is reinstalled there on each
run). It also times the import of pydantic and cryptography alone in that venv: no
process that loads them can be faster, so checkov's time over that floor is the largest
speed-up any size can show. Checkov comes from its own venv (.venv-checkov, built by
`make .venv-checkov/.installed`, the one place that pins its version) when absent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.certs import make_ca, make_leaf  # noqa: E402  (the project's certificate factory)

BENCH_VENV = ROOT / ".venv-bench"
ELBTLS = BENCH_VENV / "bin" / "elbtls"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
# Every stack has its own leaf certificate; leaves take their keys from a pool this large,
# which is more than pki's parse cache holds, so each key is loaded and checked as in a
# tree of distinct keys (generating 1000 RSA keys would take about a minute).
KEY_POOL = 100
FLOOR_IMPORTS = "import pydantic, cryptography.x509; from pydantic import BaseModel"
TARGETS = {"small": (10, 0.5), "large": (1000, 5.0)}   # stacks, seconds
MIN_SPEEDUP = 20.0
LINEARITY_SLACK = 2.0  # marginal cost per stack may grow at most this much from small to large

STACK_TF = """\
provider "aws" {{
  region = "us-east-1"
}}

resource "aws_acm_certificate" "web" {{
  certificate_body  = file("${{path.module}}/certs/leaf.pem")
  certificate_chain = file("${{path.module}}/certs/chain.pem")
  private_key       = file("${{path.module}}/certs/key.pem")

  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "aws_elb" "web" {{
  name               = "web-{i:04d}"
  availability_zones = ["us-east-1a"]

  listener {{
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8443
    instance_protocol  = "https"
    ssl_certificate_id = aws_acm_certificate.web.arn
  }}
}}

resource "aws_load_balancer_policy" "tls" {{
  load_balancer_name = aws_elb.web.name
  policy_name        = "web-{i:04d}-tls"
  policy_type_name   = "SSLNegotiationPolicyType"

  policy_attribute {{
    name  = "Reference-Security-Policy"
    value = "ELBSecurityPolicy-TLS-1-2-2017-01"
  }}
}}

resource "aws_load_balancer_listener_policy" "tls" {{
  load_balancer_name = aws_elb.web.name
  load_balancer_port = 443
  policy_names       = [aws_load_balancer_policy.tls.policy_name]
}}
"""


def build_tree(root: Path, stacks: int) -> None:
    """`stacks` directories under `root`, each a complete, valid stack with its own leaf."""
    ca = make_ca()
    intermediate = make_ca("Bench Intermediate", issuer=ca)
    for i in range(stacks):
        leaf = make_leaf(intermediate, sans=(f"web{i}.example.com",), slot=f"bench:{i % KEY_POOL}")
        certs = root / f"stack{i:04d}" / "certs"
        certs.mkdir(parents=True)
        (certs.parent / "main.tf").write_text(STACK_TF.format(i=i))
        (certs / "leaf.pem").write_text(leaf.cert_pem)
        (certs / "chain.pem").write_text(intermediate.cert_pem)
        (certs / "key.pem").write_text(leaf.key_pem)


def measure(command: list[str], cwd: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit status) of one process, interpreter start included."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            err.seek(0)
            sys.exit(f"{command[0]} failed with status {proc.returncode}:\n{err.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss, proc.returncode


def sanity(tree: Path) -> str:
    """What elbtls reports on the tree, so a benchmark of a run that skipped everything shows."""
    done = subprocess.run([str(ELBTLS), "validate", "--format", "json", "."], cwd=tree,
                          capture_output=True, text=True)
    if done.returncode == 2:
        sys.exit(f"elbtls failed: {done.stderr.strip()}")
    report = json.loads(done.stdout)
    rules = sorted({f["rule"] for f in report["findings"]})
    return f"{report['summary']}; rules seen: {', '.join(rules) or 'none'}"


def install_elbtls() -> None:
    """The working tree, installed into .venv-bench as pre-commit would install it."""
    subprocess.run(["make", "-s", ".venv-bench/.installed"], cwd=ROOT, check=True)
    subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "-q", "--no-deps", "--force-reinstall",
                    "--no-build-isolation", "."], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def ensure_checkov() -> Path:
    if not CHECKOV.exists():
        print("installing checkov into .venv-checkov (once) ...", flush=True)
        subprocess.run(["make", "-s", ".venv-checkov/.installed"], cwd=ROOT, check=True)
    return CHECKOV


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated stack counts")
    parser.add_argument("--no-checkov", action="store_true", help="time elbtls only")
    parser.add_argument("--repeat", type=int, default=3, help="elbtls runs per size (the best counts)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    install_elbtls()
    checkov = None if args.no_checkov else ensure_checkov()
    floor = min(measure([str(BENCH_VENV / "bin" / "python"), "-c", FLOOR_IMPORTS], ROOT)[0]
                for _ in range(max(args.repeat, 5)))

    rows = []
    with tempfile.TemporaryDirectory(prefix="elbtls-bench-") as tmp:
        for n in sizes:
            tree = Path(tmp) / f"n{n}"
            build_tree(tree, n)
            print(f"{n} stacks: {sanity(tree)}", flush=True)
            ours = min((measure([str(ELBTLS), "validate", "."], tree) for _ in range(args.repeat)),
                       key=lambda m: m[0])
            theirs = measure([str(checkov), "-d", ".", "--framework", "terraform", "--quiet", "--compact"],
                             tree) if checkov else None
            rows.append((n, ours, theirs))
            shutil.rmtree(tree)

    print(f"\nfloor: importing pydantic and cryptography alone takes {floor:.3f} s")
    print(f"\n{'stacks':>7} {'elbtls s':>9} {'µs/stack':>9} {'RSS MiB':>8} "
          f"{'checkov s':>10} {'RSS MiB':>8} {'speedup':>8} {'ceiling':>8}")
    for n, (t, rss, _), theirs in rows:
        line = f"{n:>7} {t:>9.3f} {t / n * 1e6:>9.0f} {rss / 1024:>8.1f}"
        if theirs:
            line += f" {theirs[0]:>10.2f} {theirs[1] / 1024:>8.1f} {theirs[0] / t:>7.1f}x {theirs[0] / floor:>7.1f}x"
        print(line)

    print()
    ok = True
    by_size = {n: ours[0] for n, ours, _ in rows}
    for _, (n, limit) in TARGETS.items():
        if n in by_size:
            ok &= _flag(by_size[n] < limit, f"{n} stacks in {by_size[n]:.3f} s (target < {limit} s)")
    if checkov:
        worst = min(theirs[0] / ours[0] for _, ours, theirs in rows)
        ok &= _flag(worst >= MIN_SPEEDUP, f"at least {worst:.1f}x faster than checkov (target >= {MIN_SPEEDUP:.0f}x)")
    if len(rows) >= 3:
        (n0, t0), (n1, t1), (n2, t2) = [(n, ours[0]) for n, ours, _ in (rows[0], rows[-2], rows[-1])]
        small, large = (t1 - t0) / (n1 - n0), (t2 - t1) / (n2 - n1)
        ok &= _flag(large <= LINEARITY_SLACK * max(small, 1e-6),
                    f"linear: {small * 1e6:.0f} µs per added stack from {n0} to {n1}, "
                    f"{large * 1e6:.0f} from {n1} to {n2} (target <= {LINEARITY_SLACK}x)")
    return 0 if ok else 1


def _flag(passed: bool, text: str) -> bool:
    print(f"[{'PASS' if passed else 'MISS'}] {text}")
    return passed


if __name__ == "__main__":
    sys.exit(main())
