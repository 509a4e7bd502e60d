"""`elbtls validate --live`: the configuration checked against what is deployed.

For each load balancer the configuration declares:
- every certificate its listeners reference by literal ARN is looked up in the load
  balancer's region (IAM ARNs in IAM) and judged by the live rules;
- if the load balancer is deployed (DescribeLoadBalancers by its literal `name`), its
  listeners are compared with the configuration (live-listener-drift), and a listener whose
  certificate is a Terraform reference (`aws_acm_certificate.web.arn`) is checked through
  the certificate the deployed listener serves: what that reference resolved to.
Deployed certificate bodies then go through the certificate and chain rules, reported at
the listener that uses them. A load balancer that is not deployed yet has no drift and
nothing to resolve: that is a new deployment, not a finding.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..catalog import finding
from ..findings import Finding, Where
from ..model import CertificateResource, Context, HostBinding, Listener, LoadBalancer, Project, Ref, Unresolved
from ..rules import links
from .certificates import CertificateStore, Deployed, is_certificate_arn
from .clients import AwsFailure, Clients
from .deployed import BODY_RULES, certificate_resource, run_rules
from .drift import ELB_ABSENT, listener_drift, needs_policies
from .verdicts import certificate_findings, not_checked

LB_NAMES_PER_CALL = 20   # DescribeLoadBalancers LoadBalancerNames per request


@dataclass
class Use:
    """One listener in the configuration that serves a certificate ARN."""

    lb: LoadBalancer
    listener: Listener
    config_cert: str | None = None   # the certificate resource address a Ref named, if any

    @property
    def where(self) -> Where:
        return links.where(self.lb, self.listener)

    @property
    def label(self) -> str:
        via = f" through {self.config_cert}" if self.config_cert else ""
        return f"{self.lb.address} lb_port {self.listener.lb_port}{via}"


@dataclass
class Plan:
    """What the run looks up: (ARN, region) -> the listeners that use it."""

    uses: dict[tuple[str, str], list[Use]] = field(default_factory=lambda: defaultdict(list))
    findings: list[Finding] = field(default_factory=list)


def check_configured(project: Project, ctx: Context, clients: Clients) -> list[Finding]:
    plan = Plan()
    by_region: dict[str, list[LoadBalancer]] = defaultdict(list)
    for lb in project.load_balancers:
        region = _region(lb, clients, plan)
        if region is None:
            continue
        by_region[region].append(lb)
        for listener in lb.listeners:
            arn = listener.ssl_certificate_id
            if is_certificate_arn(arn):
                plan.uses[(arn, region)].append(Use(lb, listener))
    for region, lbs in by_region.items():
        _compare_deployed(project, region, lbs, clients, plan)

    store = CertificateStore(clients)
    findings = list(plan.findings)
    bodies: list[tuple[Deployed, list[Use]]] = []
    for (arn, region), uses in plan.uses.items():
        outcome = store.lookup(arn, region)
        where = uses[0].where
        users = "used by " + ", ".join(u.label for u in uses)
        findings += certificate_findings(arn, outcome, ctx, where, users)
        if isinstance(outcome, Deployed):
            if outcome.body_failure is not None:
                findings.append(not_checked(f"The body of certificate {arn} ({users}; certificate and chain rules)",
                                            outcome.body_failure, where))
            elif not _checked_statically(project, uses):
                bodies.append((outcome, uses))
    findings += _body_findings(project, ctx, bodies)
    return sorted(dict.fromkeys(findings), key=Finding.sort_key)


def _region(lb: LoadBalancer, clients: Clients, plan: Plan) -> str | None:
    """The load balancer's region: its provider's, else the default a provider without
    `region` uses (AWS_REGION, the profile)."""
    if isinstance(lb.region, str):
        return lb.region
    if isinstance(lb.region, Unresolved):
        plan.findings += links.need(lb.region, links.where(lb), f"The region of {lb.address} (live checks)")
        return None
    if clients.default_region:
        return clients.default_region
    plan.findings.append(finding("value-unresolved", f"{lb.address} has no region and no default region is set "
                                 "(AWS_REGION or the profile's region); the live checks skipped it.", links.where(lb)))
    return None


def _compare_deployed(project: Project, region: str, lbs: list[LoadBalancer], clients: Clients, plan: Plan) -> None:
    named = [lb for lb in lbs if isinstance(lb.name, str) and lb.name]
    for lb in lbs:
        if lb not in named:
            plan.findings += links.need(lb.name, links.where(lb), f"The name of {lb.address} (live-listener-drift)")
    deployed = _describe(region, [lb.name for lb in named], clients)
    for lb in named:
        description = deployed.get(lb.name)
        if description is None:
            continue   # not deployed yet
        if isinstance(description, AwsFailure):
            plan.findings.append(not_checked(f"The deployed listeners of {lb.address} ({lb.name} in {region}; "
                                             "live-listener-drift)", description, links.where(lb)))
            continue
        policy_descriptions: list[dict] | AwsFailure | None = None
        if needs_policies(description):
            try:
                policy_descriptions = clients.call("elb", region, "describe_load_balancer_policies",
                                                   LoadBalancerName=lb.name)["PolicyDescriptions"]
            except AwsFailure as failure:
                policy_descriptions = failure
                plan.findings.append(not_checked(f"The deployed listener policies of {lb.address} "
                                                 "(live-listener-drift)", failure, links.where(lb)))
        plan.findings += listener_drift(project, lb, description, policy_descriptions)
        _resolve_references(project, lb, region, description, plan)


def _describe(region: str, names: list[str], clients: Clients) -> dict[str, dict | AwsFailure]:
    """name -> DescribeLoadBalancers entry (absent when not deployed) or the failure.
    Names go in batches; AWS fails a whole batch when one name is missing, so a batch that
    fails that way is asked again one name at a time."""
    out: dict[str, dict | AwsFailure] = {}
    for i in range(0, len(names), LB_NAMES_PER_CALL):
        batch = names[i:i + LB_NAMES_PER_CALL]
        try:
            got = clients.call("elb", region, "describe_load_balancers", absent=ELB_ABSENT, LoadBalancerNames=batch)
        except AwsFailure as failure:
            out.update({name: failure for name in batch})
            continue
        if got is None and len(batch) > 1:
            for name in batch:
                out.update(_describe(region, [name], clients))
            continue
        for description in (got or {}).get("LoadBalancerDescriptions", []):
            out[description["LoadBalancerName"]] = description
    return out


def _resolve_references(project: Project, lb: LoadBalancer, region: str, description: dict, plan: Plan) -> None:
    """A listener whose certificate is a Terraform reference: check the certificate the
    deployed listener on the same port serves (what the reference resolved to at apply)."""
    deployed = {item["Listener"].get("LoadBalancerPort"): item["Listener"].get("SSLCertificateId")
                for item in description.get("ListenerDescriptions", [])}
    for listener in lb.listeners:
        value = listener.ssl_certificate_id
        cert = links.certificate(project, value, lb.stack) if isinstance(value, Ref) else None
        arn = deployed.get(listener.lb_port)
        if cert is not None and is_certificate_arn(arn):
            plan.uses[(arn, region)].append(Use(lb, listener, cert.address))


def _checked_statically(project: Project, uses: list[Use]) -> bool:
    """The configuration holds this certificate's body (imported or IAM with certificate_body),
    so the certificate rules have already judged it: do not report it twice."""
    for use in uses:
        cert = links.certificate(project, use.listener.ssl_certificate_id, use.lb.stack) if use.config_cert else None
        if cert is not None and cert.body is not None:
            return True
    return False


def _body_findings(project: Project, ctx: Context, bodies: list[tuple[Deployed, list[Use]]]) -> list[Finding]:
    """The certificate and chain rules on deployed bodies. Each deployed certificate stands
    in for what the configuration's listeners point at: their load balancers (same
    addresses and stacks, so the Classic LB key rules and the host names bound to them
    apply) serve it, and host names bound to the configuration's certificate resource are
    bound to it. A certificate used from several stacks stands in each of them."""
    if not bodies:
        return []
    certs: dict[links.Key, CertificateResource] = {}
    lbs: dict[links.Key, LoadBalancer] = {}
    hosts: list[HostBinding] = []
    first_use: dict[str, Use] = {}
    for deployed, uses in bodies:
        first_use[deployed.arn] = uses[0]
        for use in uses:
            stack = use.lb.stack
            if (stack, deployed.arn) not in certs:
                certs[stack, deployed.arn] = certificate_resource(deployed).model_copy(update={"stack": stack})
                config_cert = links.certificate(project, use.listener.ssl_certificate_id, stack)
                if config_cert is not None:
                    hosts += [h.model_copy(update={"target": deployed.arn})
                              for h in links.of(project).hosts_bound([links.key(config_cert)])]
            lb = lbs.setdefault(links.key(use.lb), use.lb.model_copy(update={"listeners": []}))
            lb.listeners.append(use.listener.model_copy(
                update={"ssl_certificate_id": Ref(address=deployed.arn, attribute="arn")}))
    hosts += links.of(project).hosts_bound(list(lbs))
    body_project = Project(certificates=list(certs.values()), load_balancers=list(lbs.values()), hosts=hosts)
    out = []
    for f in run_rules(body_project, ctx, BODY_RULES):
        use = first_use.get(f.resource or "")
        if use is not None:   # report at the listener, where the user can act
            at = use.where
            f = f.model_copy(update={"file": at.file, "line": at.line, "resource": at.resource})
        out.append(f)
    return out
