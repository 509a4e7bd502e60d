"""Audit benchmark: N Classic Load Balancers across R regions on a moto server, audited the
way `elbtls audit --region ...` does it; prints the wall time and the AWS calls per load
balancer (counted by the botocore `before-call` hook in live.clients), and exits 1 when the
calls exceed the target of 3 per load balancer.

    .venv/bin/python benchmarks/audit_bench.py [--lbs 200] [--regions 4]

Each load balancer has an HTTPS listener with its own imported certificate and a plain
HTTP listener; every other one also has a TLS 1.2 policy attached (so it needs a
DescribeLoadBalancerPolicies call); every tenth one shares an IAM certificate on a second
HTTPS port.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # the tests package

from elbtls.validators.live import audit  # noqa: E402
from elbtls.validators.live.clients import Clients  # noqa: E402
from elbtls.validators.model import Context  # noqa: E402
from tests.awsmock import MotoServer  # noqa: E402
from tests.certs import make_ca, make_leaf  # noqa: E402
from tests.livekit import (attach_reference_policy, aws_env, create_lb, http, https, import_certificate, now,  # noqa: E402
                           subnet, upload_server_certificate)

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "eu-central-1", "ap-northeast-1")
TARGET_CALLS_PER_LB = 3


def seed(endpoint: str, lbs: int, regions: tuple[str, ...]) -> None:
    ca = make_ca()
    shared_iam = upload_server_certificate(endpoint, "shared", make_leaf(ca, sans=("shared.example.com",), days=200))
    subnets = {region: subnet(endpoint, region) for region in regions}
    for i in range(lbs):
        region = regions[i % len(regions)]
        leaf = make_leaf(ca, sans=(f"lb{i}.example.com",), days=30 + i)
        listeners = [https(443, import_certificate(endpoint, region, leaf, ca.cert_pem)), http()]
        if i % 10 == 0:
            listeners.append(https(8443, shared_iam, 9443))
        create_lb(endpoint, region, f"lb{i}", listeners, subnets[region])
        if i % 2 == 0:
            attach_reference_policy(endpoint, region, f"lb{i}", 443, "tls12", "ELBSecurityPolicy-TLS-1-2-2017-01")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lbs", type=int, default=200)
    parser.add_argument("--regions", type=int, default=4, choices=range(1, len(REGIONS) + 1))
    args = parser.parse_args()
    regions = REGIONS[:args.regions]
    with MotoServer() as moto, aws_env(moto.env()):
        started = time.monotonic()
        seed(moto.url, args.lbs, regions)
        print(f"seeded {args.lbs} load balancers in {len(regions)} regions in {time.monotonic() - started:.1f} s")
        clients = Clients()
        started = time.monotonic()
        findings = audit(list(regions), False, None, Context(at=now()), clients=clients)
        wall = time.monotonic() - started
    calls = clients.total_calls()
    per_lb = calls / args.lbs
    print(f"audit: {wall:.2f} s wall, {len(findings)} findings")
    print(f"AWS calls: {calls} ({per_lb:.2f} per load balancer; target <= {TARGET_CALLS_PER_LB})")
    for name, count in sorted(clients.calls.items()):
        print(f"  {name:40} {count}")
    incomplete = [f for f in findings if f.rule == "live-check-incomplete"]
    if incomplete:
        print(f"{len(incomplete)} checks incomplete, e.g. {incomplete[0].message}")
        return 1
    return 0 if per_lb <= TARGET_CALLS_PER_LB else 1


if __name__ == "__main__":
    raise SystemExit(main())
