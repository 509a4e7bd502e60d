"""What is deployed, as the `Project` models the rules read, so that deployed load balancers
and certificate bodies are judged by the very rules that judge a configuration (no second
implementation of any rule).

Addresses name deployed things the way a user finds them: a load balancer is
`elb:REGION/NAME`, a certificate its ARN, a policy `elb:REGION/NAME/policy/POLICY`.
Listeners point at certificates through a `Ref` to the certificate's address, which is how
`rules.links` connects them.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from .. import rules
from ..catalog import RULES
from ..engine import run_check
from ..facts.limits import ELB_RESERVED_POLICY_PREFIXES
from ..facts.tls_policies import REFERENCE_ATTRIBUTE
from ..findings import Finding, Where
from ..model import (BackendServerPolicy, CertificateResource, Context, LbPolicy, Listener,
                     ListenerPolicy, LoadBalancer, Pem, PolicyAttribute, Project, Ref)
from .certificates import Deployed, acm_region

# Rule modules that apply to what is deployed. acm_request and iam judge how Terraform
# declares a certificate (lifecycle, names, validation records): nothing to see in AWS.
DEPLOYED_RULES = ("certificate", "chain", "elb", "tls")
BODY_RULES = ("certificate", "chain")
# live-certificate-expiring reports expiry of deployed certificates (error once expired);
# these say the same thing about the same body and are dropped from deployed-body findings.
SUPERSEDED = frozenset({"cert-expired", "cert-expiring-soon"})


def lb_address(region: str, name: str) -> str:
    return f"elb:{region}/{name}"


def certificate_resource(d: Deployed) -> CertificateResource:
    """A deployed certificate as a model. The certificate rules read the bodies of imported
    and IAM certificates, so an ACM certificate with a body is given as imported (ACM's
    limits and the Classic LB key rules are the same for both); one without a body (not
    issued, or GetCertificate failed) as requested, so that its key algorithm is still
    judged against the load balancers using it."""
    where = Where(resource=d.arn)
    body = d.body if d.body and d.body.strip() else None
    chain = d.chain if d.chain and d.chain.strip() else None
    if d.kind == "iam":
        kind = "iam"
    else:
        kind = "acm-imported" if body else "acm-requested"
    return CertificateResource(address=d.arn, where=where, region=acm_region(d.arn), kind=kind,
                               body=Pem(text=body, origin=where) if body else None,
                               chain=Pem(text=chain, origin=where) if chain else None,
                               key_algorithm=d.key_algorithm if not body else None, create_before_destroy=True)


def load_balancer(region: str, description: dict, certificates: dict[str, Deployed]) -> LoadBalancer:
    """A DescribeLoadBalancers entry as a model; a listener whose certificate was found
    refs it, any other keeps the literal ARN (the live rules report why it was not found)."""
    address = lb_address(region, description["LoadBalancerName"])
    where = Where(resource=address)
    listeners = []
    for item in description.get("ListenerDescriptions", []):
        raw = item["Listener"]
        arn = raw.get("SSLCertificateId")
        cert = Ref(address=arn, attribute="arn") if arn in certificates else arn
        listeners.append(Listener(lb_port=raw.get("LoadBalancerPort"), lb_protocol=raw.get("Protocol"),
                                  instance_port=raw.get("InstancePort"),
                                  instance_protocol=raw.get("InstanceProtocol"),
                                  ssl_certificate_id=cert, where=where))
    return LoadBalancer(address=address, where=where, region=region, provider=f"aws.{region}",
                        name=description["LoadBalancerName"], listeners=listeners)


def policies(lb: LoadBalancer, description: dict, policy_descriptions: list[dict]) -> dict:
    """The load balancer's policies and their attachments as Project fields. AWS keeps its
    own copy of a predefined policy it attached under the predefined name; that copy is left
    out so that the listener's attachment reads as the predefined policy it is. A policy
    built from a Reference-Security-Policy is shown with that attribute only (AWS expands
    the reference into every protocol and cipher; the expansion is the predefined policy)."""
    lb_ref = Ref(address=lb.address, attribute="name")
    out: dict[str, list] = {"lb_policies": [], "listener_policies": [], "backend_policies": []}
    for p in policy_descriptions:
        name = p.get("PolicyName", "")
        if name.startswith(ELB_RESERVED_POLICY_PREFIXES):
            continue
        attributes = [PolicyAttribute(name=a.get("AttributeName"), value=a.get("AttributeValue"))
                      for a in p.get("PolicyAttributeDescriptions", [])]
        reference = [a for a in attributes if a.name == REFERENCE_ATTRIBUTE]
        out["lb_policies"].append(LbPolicy(address=f"{lb.address}/policy/{name}", where=lb.where, load_balancer=lb_ref,
                                           policy_name=name, policy_type_name=p.get("PolicyTypeName"),
                                           attributes=reference or attributes))
    for item in description.get("ListenerDescriptions", []):
        port, names = item["Listener"].get("LoadBalancerPort"), item.get("PolicyNames") or []
        if names:
            out["listener_policies"].append(ListenerPolicy(
                address=f"{lb.address}/listener/{port}", where=lb.where, load_balancer=lb_ref, lb_port=port,
                policy_names=names))
    for item in description.get("BackendServerDescriptions", []):
        port, names = item.get("InstancePort"), item.get("PolicyNames") or []
        if names:
            out["backend_policies"].append(BackendServerPolicy(
                address=f"{lb.address}/backend/{port}", where=lb.where, load_balancer=lb_ref, instance_port=port,
                policy_names=names))
    return out


def run_rules(project: Project, ctx: Context, modules: Iterable[str]) -> list[Finding]:
    """The findings of the named rule modules on `project`, minus SUPERSEDED; a check that
    raises stops the run as the engine's InternalFault, as in `validate`."""
    out: list[Finding] = []
    for name in modules:
        for check in import_module(f"{rules.__name__}.{name}").CHECKS:
            out.extend(f for f in run_check(check, project, ctx) if f.rule not in SUPERSEDED)
    return out


def is_tls_finding(f: Finding) -> bool:
    return RULES[f.rule].section == "tls"
