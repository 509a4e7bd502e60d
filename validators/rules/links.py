"""How the resources of a `Project` point at each other, in one place for every rule:
which certificate a listener serves, which load balancer a policy names, which policies a
listener has, who uses a certificate. References match Terraform addresses exactly,
`module.` prefixes included; a literal load balancer name matches a literal `name`.

`need()` is how a rule says it skipped a value it could not know before plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..catalog import finding
from ..findings import Finding, Where
from ..model import (CertificateResource, Listener, LoadBalancer, LbPolicy, Project, Ref, Resource,
                     SslNegotiationPolicy, Str, Unresolved)

SSL_NEGOTIATION_TYPE = "SSLNegotiationPolicyType"
PUBLIC_KEY_TYPE = "PublicKeyPolicyType"
BACKEND_AUTH_TYPE = "BackendServerAuthenticationPolicyType"

# Attributes that evaluate to what the referring argument expects.
CERTIFICATE_ARN_ATTRIBUTES = {"aws_acm_certificate": ("arn", "id"), "aws_iam_server_certificate": ("arn",),
                              "aws_acm_certificate_validation": ("certificate_arn",)}
_CERT_LINK_ATTRIBUTES = ("arn", "id", "")
_VALIDATION_LINK_ATTRIBUTES = ("certificate_arn", "")
_LB_LINK_ATTRIBUTES = ("name", "id", "")
_POLICY_LINK_ATTRIBUTES = ("policy_name", "")


def resource_type(address: str) -> str:
    """`module.a.aws_elb.web` -> `aws_elb`; `data.aws_acm_certificate.x` -> `data.aws_acm_certificate`."""
    parts = address.split(".")
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        i += 2
    if parts[i] == "data" and i + 1 < len(parts):
        return "data." + parts[i + 1]
    return parts[i]


def where(resource: Resource, listener: Listener | None = None) -> Where:
    """Where to report on a resource, or on one of its listener blocks (its own line)."""
    inner = listener.where if listener is not None else resource.where
    return Where(file=inner.file or resource.where.file, line=inner.line or resource.where.line,
                 resource=resource.address)


def need(value: object, at: Where, what: str) -> list[Finding]:
    """One `value-unresolved` info finding when `value` is Unresolved (the caller skips the
    check), else nothing: `if (skip := need(...)): yield from skip; continue`."""
    if not isinstance(value, Unresolved):
        return []
    return [finding("value-unresolved",
                    f"{what} is not known before plan (`{value.expression}`: {value.reason}); it was not checked.",
                    at)]


def certificate(project: Project, value: Str) -> CertificateResource | None:
    """The certificate resource an `ssl_certificate_id` (or any ARN-valued argument) points
    at: a Ref to aws_acm_certificate / aws_iam_server_certificate (arn or id), or to
    aws_acm_certificate_validation (certificate_arn) whose certificate_arn refs one."""
    if not isinstance(value, Ref):
        return None
    for cert in project.certificates:
        if cert.address == value.address and value.attribute in _CERT_LINK_ATTRIBUTES:
            return cert
    for validation in project.validations:
        if validation.address == value.address and value.attribute in _VALIDATION_LINK_ATTRIBUTES:
            target = validation.certificate_arn
            if isinstance(target, Ref) and target.address != value.address:
                return certificate(project, target)
    return None


def load_balancer(project: Project, value: Str) -> LoadBalancer | None:
    """The aws_elb a policy's `load_balancer` names: a Ref (name/id) or a literal name."""
    for lb in project.load_balancers:
        if isinstance(value, Ref):
            if lb.address == value.address and value.attribute in _LB_LINK_ATTRIBUTES:
                return lb
        elif isinstance(value, str) and isinstance(lb.name, str) and lb.name == value:
            return lb
    return None


def listeners_on(lb: LoadBalancer, lb_port: int) -> list[Listener]:
    return [listener for listener in lb.listeners if listener.lb_port == lb_port]


def lb_policy(project: Project, lb: LoadBalancer, name: Str) -> LbPolicy | None:
    """The aws_load_balancer_policy a policy name means on `lb`: a Ref to it (policy_name),
    or a literal equal to the policy_name of a policy on the same load balancer."""
    for policy in project.lb_policies:
        if isinstance(name, Ref):
            if policy.address == name.address and name.attribute in _POLICY_LINK_ATTRIBUTES:
                return policy
        elif isinstance(name, str) and policy.policy_name == name \
                and load_balancer(project, policy.load_balancer) is lb:
            return policy
    return None


@dataclass(frozen=True)
class Attached:
    """One policy attached to a listener: `name` as written, `policy` what it resolves to
    (None when it is not in the project or not resolvable), `by` the attaching resource."""

    name: Str
    policy: LbPolicy | SslNegotiationPolicy | None
    by: Resource


def attached_policies(project: Project, lb: LoadBalancer, lb_port: int) -> list[Attached]:
    """Every policy attached to the listener on `lb_port`: through
    aws_load_balancer_listener_policy, and aws_lb_ssl_negotiation_policy resources."""
    out: list[Attached] = []
    for lp in project.listener_policies:
        if lp.lb_port != lb_port or load_balancer(project, lp.load_balancer) is not lb:
            continue
        if isinstance(lp.policy_names, Unresolved):
            out.append(Attached(lp.policy_names, None, lp))
            continue
        out.extend(Attached(name, lb_policy(project, lb, name), lp) for name in lp.policy_names)
    for snp in project.ssl_negotiation_policies:
        if snp.lb_port == lb_port and load_balancer(project, snp.load_balancer) is lb:
            out.append(Attached(snp.name, snp, snp))
    return out


def is_ssl_negotiation(policy: LbPolicy | SslNegotiationPolicy) -> bool:
    return isinstance(policy, SslNegotiationPolicy) or policy.policy_type_name == SSL_NEGOTIATION_TYPE


def certificate_users(project: Project) -> dict[str, list[tuple[LoadBalancer, Listener]]]:
    """Certificate address -> the (load balancer, listener) pairs that serve it."""
    users: dict[str, list[tuple[LoadBalancer, Listener]]] = defaultdict(list)
    for lb in project.load_balancers:
        for listener in lb.listeners:
            cert = certificate(project, listener.ssl_certificate_id)
            if cert is not None:
                users[cert.address].append((lb, listener))
    return dict(users)
