"""How the resources of a `Project` point at each other, in one place for every rule:
which certificate a listener serves, which load balancer a policy names, which policies a
listener has, who uses a certificate, and which validations, DNS records and host names
point at a resource.

A Terraform address is unique only inside one root module, and one run loads many roots,
so a resource is known by its key `(stack, address)`: a reference is resolved in the stack
of the resource that holds it, never in another (`module.` prefixes are part of the
address). A literal load balancer name is not a reference: it matches a literal `name` in
the same stack first, else the one load balancer in the run with that name (AWS names are
unique per region; two candidates elsewhere are ambiguous and match nothing).

`of(project)` builds the indexes once per Project and keeps them with it, so every lookup
costs O(1) however many stacks a run holds.

`need()` is how a rule says it skipped a value it could not know before plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..catalog import finding
from ..findings import Finding, Where
from ..model import (CertificateResource, CertificateValidation, DnsRecord, HostBinding, Listener, LoadBalancer,
                     LbPolicy, Project, Ref, Resource, SslNegotiationPolicy, Str, Unresolved)

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

Key = tuple[str, str]   # (stack, address)


def key(resource: Resource) -> Key:
    """A resource's identity in a run: its root module and its address there."""
    return resource.stack, resource.address


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
    if inner.file and inner.line and inner.resource == resource.address:
        return inner   # says all of it already (as the input layer builds them)
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


def is_ssl_negotiation(policy: LbPolicy | SslNegotiationPolicy) -> bool:
    return isinstance(policy, SslNegotiationPolicy) or policy.policy_type_name == SSL_NEGOTIATION_TYPE


def listeners_on(lb: LoadBalancer, lb_port: int) -> list[Listener]:
    return [listener for listener in lb.listeners if listener.lb_port == lb_port]


@dataclass(frozen=True)
class Attached:
    """One policy attached to a listener: `name` as written, `policy` what it resolves to
    (None when it is not in the project or not resolvable), `by` the attaching resource."""

    name: Str
    policy: LbPolicy | SslNegotiationPolicy | None
    by: Resource


def _first(resources) -> dict:
    """key -> the first resource with that key (a repeated address keeps the first)."""
    out: dict = {}
    for resource in resources:
        out.setdefault(key(resource), resource)
    return out


class Links:
    """The indexes of one Project (see the module docstring). Load balancers are told apart
    by identity (`id`) inside it: two with one key are two objects, and only the first is
    what references reach."""

    def __init__(self, project: Project):
        self._certificates = _first(project.certificates)
        self._validations = _first(project.validations)
        self._load_balancers = _first(project.load_balancers)
        self._lb_policies = _first(project.lb_policies)
        self._names: dict[tuple[str, str], LoadBalancer] = {}           # (stack, literal name) -> first
        self._named: dict[str, list[LoadBalancer]] = defaultdict(list)  # literal name -> all
        for lb in project.load_balancers:
            if isinstance(lb.name, str):
                self._names.setdefault((lb.stack, lb.name), lb)
                self._named[lb.name].append(lb)
        self._index_policies(project)
        self._index_referrers(project)
        self._users: dict[Key, list[tuple[LoadBalancer, Listener]]] = defaultdict(list)
        for lb in project.load_balancers:
            for listener in lb.listeners:
                cert = self.certificate(listener.ssl_certificate_id, lb.stack)
                if cert is not None:
                    self._users[key(cert)].append((lb, listener))

    def _index_policies(self, project: Project) -> None:
        """Policies by name on their load balancer, attachments by listener, and what an
        unknown value could attach."""
        self._policy_names: dict[tuple[int, str], LbPolicy] = {}     # (id(lb), policy_name) -> policy
        for policy in project.lb_policies:
            lb = self.load_balancer(policy.load_balancer, policy.stack)
            if lb is not None and isinstance(policy.policy_name, str):
                self._policy_names.setdefault((id(lb), policy.policy_name), policy)
        self._attached: dict[tuple[int, object], list[Attached]] = defaultdict(list)  # (id(lb), lb_port)
        for lp in project.listener_policies:
            lb = self.load_balancer(lp.load_balancer, lp.stack)
            if lb is None:
                continue
            if isinstance(lp.policy_names, Unresolved):
                self._attached[id(lb), lp.lb_port].append(Attached(lp.policy_names, None, lp))
                continue
            self._attached[id(lb), lp.lb_port].extend(
                Attached(name, self.lb_policy(lb, name, lp.stack), lp) for name in lp.policy_names)
        for snp in project.ssl_negotiation_policies:   # after every listener policy, as they read
            lb = self.load_balancer(snp.load_balancer, snp.stack)
            if lb is not None:
                self._attached[id(lb), snp.lb_port].append(Attached(snp.name, snp, snp))
        self._unknown_targets: set[str] = set()   # stacks with a policy whose load balancer is unknown
        self._unknown_ports: set[int] = set()     # id(lb) of load balancers with a policy on an unknown port
        for policy in [*project.listener_policies, *project.ssl_negotiation_policies]:
            if isinstance(policy.load_balancer, Unresolved):
                self._unknown_targets.add(policy.stack)
            elif isinstance(policy.lb_port, Unresolved):
                lb = self.load_balancer(policy.load_balancer, policy.stack)
                if lb is not None:
                    self._unknown_ports.add(id(lb))

    def _index_referrers(self, project: Project) -> None:
        """Validations, DNS records and host bindings by the resource they point at."""
        self._validations_of: dict[Key, list[CertificateValidation]] = defaultdict(list)
        for validation in project.validations:
            if isinstance(validation.certificate_arn, Ref):
                self._validations_of[validation.stack, validation.certificate_arn.address].append(validation)
        self._records_of: dict[Key, list[DnsRecord]] = defaultdict(list)
        for record in project.dns_records:
            for address in record.refs:
                self._records_of[record.stack, address].append(record)
        self._hosts: dict[Key, list[tuple[int, HostBinding]]] = defaultdict(list)
        for index, binding in enumerate(project.hosts):
            self._hosts[binding.stack, binding.target].append((index, binding))

    def certificate(self, value: Str, stack: str) -> CertificateResource | None:
        """The certificate resource an `ssl_certificate_id` (or any ARN-valued argument) of a
        resource in `stack` points at: a Ref to aws_acm_certificate / aws_iam_server_certificate
        (arn or id), or to aws_acm_certificate_validation (certificate_arn) whose
        certificate_arn refs one (a cycle of validations leads nowhere)."""
        seen: set[str] = set()
        while isinstance(value, Ref) and value.address not in seen:
            seen.add(value.address)
            cert = self._certificates.get((stack, value.address))
            if cert is not None and value.attribute in _CERT_LINK_ATTRIBUTES:
                return cert
            validation = self._validations.get((stack, value.address))
            if validation is None or value.attribute not in _VALIDATION_LINK_ATTRIBUTES:
                return None
            value = validation.certificate_arn
        return None

    def load_balancer(self, value: Str, stack: str) -> LoadBalancer | None:
        """The aws_elb a `load_balancer` argument of a resource in `stack` names: a Ref
        (name/id), or a literal name (see the module docstring)."""
        if isinstance(value, Ref):
            lb = self._load_balancers.get((stack, value.address))
            return lb if lb is not None and value.attribute in _LB_LINK_ATTRIBUTES else None
        if isinstance(value, str):
            same = self._names.get((stack, value))
            if same is not None:
                return same
            named = self._named.get(value, [])
            return named[0] if len(named) == 1 else None
        return None

    def lb_policy(self, lb: LoadBalancer, name: Str, stack: str) -> LbPolicy | None:
        """The aws_load_balancer_policy a policy name (written in a resource in `stack`) means
        on `lb`: a Ref to it (policy_name), or a literal equal to the policy_name of a policy
        on the same load balancer."""
        if isinstance(name, Ref):
            policy = self._lb_policies.get((stack, name.address))
            return policy if policy is not None and name.attribute in _POLICY_LINK_ATTRIBUTES else None
        if isinstance(name, str):
            return self._policy_names.get((id(lb), name))
        return None

    def attached_policies(self, lb: LoadBalancer, lb_port: int) -> list[Attached]:
        """Every policy attached to the listener on `lb_port`: through
        aws_load_balancer_listener_policy, and aws_lb_ssl_negotiation_policy resources."""
        return list(self._attached.get((id(lb), lb_port), ()))

    def may_have_hidden_policies(self, lb: LoadBalancer) -> bool:
        """Whether a listener or SSL negotiation policy whose load balancer or lb_port is not
        known before plan could be attached to one of `lb`'s listeners (only a policy in
        `lb`'s own stack can name it through an unknown value)."""
        return lb.stack in self._unknown_targets or id(lb) in self._unknown_ports

    def validations_of(self, cert: CertificateResource) -> list[CertificateValidation]:
        """The aws_acm_certificate_validation resources whose certificate_arn refs `cert`."""
        return list(self._validations_of.get(key(cert), ()))

    def records_referring(self, cert: CertificateResource) -> list[DnsRecord]:
        """The aws_route53_record resources whose expressions mention `cert`."""
        return list(self._records_of.get(key(cert), ()))

    def hosts_bound(self, targets: list[Key]) -> list[HostBinding]:
        """The host bindings whose (stack, target) is one of `targets`, in Project order."""
        found = {index: binding for target in targets for index, binding in self._hosts.get(target, ())}
        return [found[index] for index in sorted(found)]

    def users(self, cert: CertificateResource) -> list[tuple[LoadBalancer, Listener]]:
        """The (load balancer, listener) pairs that serve `cert`."""
        return list(self._users.get(key(cert), ()))

    def certificate_users(self) -> dict[Key, list[tuple[LoadBalancer, Listener]]]:
        """Certificate key -> the (load balancer, listener) pairs that serve it."""
        return {k: list(v) for k, v in self._users.items()}


def of(project: Project) -> Links:
    """The Links of `project`, built once and kept with it (see `Project.derive`)."""
    return project.derive("links", Links)


# Shorthands for one lookup (each reads the indexes of `of(project)`).

def certificate(project: Project, value: Str, stack: str = "") -> CertificateResource | None:
    return of(project).certificate(value, stack)


def load_balancer(project: Project, value: Str, stack: str = "") -> LoadBalancer | None:
    return of(project).load_balancer(value, stack)


def lb_policy(project: Project, lb: LoadBalancer, name: Str, stack: str | None = None) -> LbPolicy | None:
    return of(project).lb_policy(lb, name, lb.stack if stack is None else stack)


def attached_policies(project: Project, lb: LoadBalancer, lb_port: int) -> list[Attached]:
    return of(project).attached_policies(lb, lb_port)


def certificate_users(project: Project) -> dict[Key, list[tuple[LoadBalancer, Listener]]]:
    return of(project).certificate_users()
