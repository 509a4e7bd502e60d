"""`elbtls audit`: every Classic Load Balancer of an account, checked like a configuration.

Regions are read concurrently (a bounded pool); what they find is merged into one
`Project` of deployed load balancers, policies and certificates, which the certificate,
chain, listener and TLS-policy rules judge once, followed by the live certificate rules
once per certificate. AWS calls are batched and cached so that an audit costs about two
calls per load balancer: DescribeLoadBalancers pages (up to 400 per call), one
DescribeLoadBalancerPolicies per load balancer that has policies attached, one
ListCertificates per region and one GetCertificate (or GetServerCertificate) per
certificate, however many load balancers share it.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import LiveUnavailable
from ..findings import Finding, Where
from ..model import Context, LoadBalancer, Project, Ref
from .certificates import CertificateStore, Deployed, acm_region, is_certificate_arn, is_iam
from .clients import AwsFailure, Clients
from .deployed import (DEPLOYED_RULES, certificate_resource, is_tls_finding, load_balancer,
                       policies, run_rules)
from .verdicts import certificate_findings, not_checked

MAX_REGION_WORKERS = 8
ELB_PAGE_SIZE = 400            # DescribeLoadBalancers PageSize ceiling
# Regions enabled by default in every account (launched before 2019-03-20), audited with
# --all-regions when EC2 DescribeRegions cannot say which regions the account has enabled.
# https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
DEFAULT_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
)


@dataclass
class RegionResult:
    region: str
    lbs: list[LoadBalancer] = field(default_factory=list)
    parts: dict[str, list] = field(default_factory=lambda: defaultdict(list))   # Project fields
    uses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # ARN -> "lb:port"
    policies_unknown: set[str] = field(default_factory=set)   # LB addresses whose policies failed
    findings: list[Finding] = field(default_factory=list)


def audit_account(regions: list[str], all_regions: bool, ctx: Context, clients: Clients) -> list[Finding]:
    findings: list[Finding] = []
    if all_regions:
        regions, findings = enabled_regions(clients)
    elif not regions:
        if not clients.default_region:
            raise LiveUnavailable("no region to audit: pass --region R or --all-regions, or set AWS_REGION")
        regions = [clients.default_region]
    regions = list(dict.fromkeys(regions))
    store = CertificateStore(clients)
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_REGION_WORKERS, len(regions)))) as pool:
        results = list(pool.map(lambda region: audit_region(region, clients, store), regions))
    findings += judge(results, store, ctx)
    return sorted(dict.fromkeys(findings), key=Finding.sort_key)


def enabled_regions(clients: Clients) -> tuple[list[str], list[Finding]]:
    """The account's enabled regions (EC2 DescribeRegions), or DEFAULT_REGIONS and one
    live-check-incomplete finding when that call fails."""
    home = clients.default_region or "us-east-1"
    try:
        answer = clients.call("ec2", home, "describe_regions")
        return sorted(r["RegionName"] for r in answer.get("Regions", [])), []
    except AwsFailure as failure:
        where = Where(resource=f"ec2:{home}/DescribeRegions")
        return list(DEFAULT_REGIONS), [not_checked(
            f"The list of enabled regions (regions outside the {len(DEFAULT_REGIONS)} enabled by default, "
            "which were audited instead)", failure, where)]


def audit_region(region: str, clients: Clients, store: CertificateStore) -> RegionResult:
    """Everything one region holds, as Project parts; AWS failures become findings."""
    result = RegionResult(region)
    try:
        descriptions = [d for page in clients.pages("elb", region, "describe_load_balancers",
                                                    PaginationConfig={"PageSize": ELB_PAGE_SIZE})
                        for d in page.get("LoadBalancerDescriptions", [])]
    except AwsFailure as failure:
        result.findings.append(not_checked(f"Region {region} (its Classic Load Balancers)", failure,
                                           Where(resource=f"elb:{region}")))
        return result
    arns = {item["Listener"].get("SSLCertificateId") for d in descriptions
            for item in d.get("ListenerDescriptions", [])} - {None, ""}
    if any(acm_region(arn) == region for arn in arns):
        store.prefetch(region)
    found = {}
    for arn in sorted(a for a in arns if is_certificate_arn(a)):
        outcome = store.lookup(arn, region)
        if isinstance(outcome, Deployed):
            found[arn] = outcome
    for d in descriptions:
        lb = load_balancer(region, d, found)
        result.lbs.append(lb)
        for listener in lb.listeners:
            cert = listener.ssl_certificate_id
            arn = cert.address if isinstance(cert, Ref) else cert
            if is_certificate_arn(arn):
                result.uses[arn].append(f"{lb.address}:{listener.lb_port}")
        if not _has_policies(d):
            continue
        try:
            answer = clients.call("elb", region, "describe_load_balancer_policies", LoadBalancerName=d["LoadBalancerName"])
        except AwsFailure as failure:
            result.policies_unknown.add(lb.address)
            result.findings.append(not_checked(f"The policies of {lb.address} (TLS policy rules)", failure, lb.where))
            continue
        for key, items in policies(lb, d, answer.get("PolicyDescriptions", [])).items():
            result.parts[key] += items
    return result


def _has_policies(description: dict) -> bool:
    return any(item.get("PolicyNames") for item in
               [*description.get("ListenerDescriptions", []), *description.get("BackendServerDescriptions", [])])


def judge(results: list[RegionResult], store: CertificateStore, ctx: Context) -> list[Finding]:
    """Merge the regions into one Project, run the rules once, then the live certificate
    rules once per certificate lookup (an IAM certificate used in two regions is one)."""
    parts: dict[str, list] = defaultdict(list)
    lbs, findings, unknown = [], [], set()
    uses: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in results:
        lbs += r.lbs
        findings += r.findings
        unknown |= r.policies_unknown
        for key, items in r.parts.items():
            parts[key] += items
        for arn, users in r.uses.items():
            uses[(arn, "IAM" if is_iam(arn) else r.region)] += users
    certificates = {}
    for arn, region in uses:
        outcome = store.lookup(arn, region)   # cached: audit_region looked every one up
        users = "used by " + ", ".join(sorted(uses[(arn, region)]))
        where = Where(resource=arn)
        findings += certificate_findings(arn, outcome, ctx, where, users)
        if isinstance(outcome, Deployed):
            certificates[arn] = certificate_resource(outcome)
            if outcome.body_failure is not None:
                findings.append(not_checked(f"The body of certificate {arn} ({users}; certificate and chain rules)",
                                            outcome.body_failure, where))
    project = Project(load_balancers=lbs, certificates=list(certificates.values()), **parts)
    for f in run_rules(project, ctx, DEPLOYED_RULES):
        if is_tls_finding(f) and f.resource in unknown:
            continue   # its policies could not be read: live-check-incomplete says so
        findings.append(f)
    return findings
