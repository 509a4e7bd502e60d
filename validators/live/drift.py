"""live-listener-drift: a deployed Classic Load Balancer's listeners compared with the
configuration, port by port: missing or extra listeners, protocols, instance ports, the
certificate (when the configuration gives a literal ARN) and the SSL negotiation policies
(when the configuration attaches any).

Only what the configuration states literally is compared; a reference or an unresolved
value is not a difference. Policies are compared by name among SSL negotiation policies
only (stickiness policies attached by resources the model does not hold are not drift),
and a policy present on both sides is compared on the attributes the configuration sets.
"""

from __future__ import annotations

from ..catalog import finding
from ..facts.limits import ELB_DEFAULT_SSL_POLICY, ELB_RESERVED_POLICY_PREFIXES
from ..findings import Finding
from ..model import LbPolicy, LoadBalancer, Project, SslNegotiationPolicy
from ..rules import links

ELB_ABSENT = ("LoadBalancerNotFound",)     # AccessPointNotFoundException's code


def needs_policies(description: dict) -> bool:
    """Whether any listener has policies attached (then DescribeLoadBalancerPolicies tells
    which of them are SSL negotiation policies and what they say)."""
    return any(item.get("PolicyNames") for item in description.get("ListenerDescriptions", []))


def _upper(value: object) -> str | None:
    return value.upper() if isinstance(value, str) else None


def listener_drift(project: Project, lb: LoadBalancer, description: dict,
                   policy_descriptions: list[dict] | Exception | None) -> list[Finding]:
    """Drift findings for `lb` against its DescribeLoadBalancers entry. `policy_descriptions`
    is DescribeLoadBalancerPolicies' answer, None when not needed, an exception when it
    failed (the caller reported that; policies are then not compared)."""
    deployed = {item["Listener"]["LoadBalancerPort"]: item for item in description.get("ListenerDescriptions", [])}
    name = description.get("LoadBalancerName")
    out: list[Finding] = []
    configured_ports = set()
    for listener in lb.listeners:
        if not isinstance(listener.lb_port, int):
            continue
        configured_ports.add(listener.lb_port)
        at = links.where(lb, listener)
        item = deployed.get(listener.lb_port)
        if item is None:
            out.append(finding("live-listener-drift", f"The listener on lb_port {listener.lb_port} is not deployed on "
                               f"{name}; run terraform apply.", at))
            continue
        live = item["Listener"]
        differences = []
        for label, want, have in (("protocol", _upper(listener.lb_protocol), _upper(live.get("Protocol"))),
                                  ("instance_port", listener.instance_port, live.get("InstancePort")),
                                  ("instance_protocol", _upper(listener.instance_protocol),
                                   _upper(live.get("InstanceProtocol")))):
            if isinstance(want, (str, int)) and want != have:
                differences.append(f"{label} is {have} deployed but {want} in the configuration")
        cert = listener.ssl_certificate_id
        if isinstance(cert, str) and cert and cert != live.get("SSLCertificateId"):
            differences.append(f"the certificate is {live.get('SSLCertificateId') or 'none'} deployed "
                               f"but {cert} in the configuration")
        if isinstance(policy_descriptions, list):
            differences += _policy_differences(project, lb, listener.lb_port, item.get("PolicyNames") or [],
                                               policy_descriptions)
        if differences:
            out.append(finding("live-listener-drift", f"The deployed listener on lb_port {listener.lb_port} of {name} "
                               f"differs: {'; '.join(differences)}.", at))
    ports_known = all(isinstance(listener.lb_port, int) for listener in lb.listeners)
    for port in sorted(set(deployed) - configured_ports) if ports_known else ():
        out.append(finding("live-listener-drift", f"{name} has a deployed listener on lb_port {port} that the "
                           "configuration does not declare.", links.where(lb)))
    return out


def _ssl_policy_names(names: list[str], descriptions: list[dict]) -> set[str]:
    """The SSL negotiation policies among `names`; AWS's copy of the default policy, which it
    attaches to a secure listener created without one, counts as no policy."""
    types = {d.get("PolicyName"): d.get("PolicyTypeName") for d in descriptions}
    out = {n for n in names
           if types.get(n) == links.SSL_NEGOTIATION_TYPE
           or (types.get(n) is None and n.startswith(ELB_RESERVED_POLICY_PREFIXES))}
    return out - {ELB_DEFAULT_SSL_POLICY}


def _configured_ssl_policies(project: Project, lb: LoadBalancer, port: int) -> dict[str, LbPolicy | SslNegotiationPolicy | None] | None:
    """name -> policy for the SSL negotiation policies the configuration attaches to `port`;
    None when a name is not known before plan (then nothing is compared)."""
    out: dict[str, LbPolicy | SslNegotiationPolicy | None] = {}
    for attached in links.attached_policies(project, lb, port):
        policy = attached.policy
        if policy is not None and not links.is_ssl_negotiation(policy):
            continue
        name = attached.name if isinstance(attached.name, str) else None
        if policy is not None:
            name = policy.policy_name if isinstance(policy, LbPolicy) else policy.name
        if not isinstance(name, str):
            return None
        if policy is None and not name.startswith(ELB_RESERVED_POLICY_PREFIXES):
            return None   # a name the configuration does not define: its type is unknown
        out[name] = policy
    return out


def _policy_differences(project: Project, lb: LoadBalancer, port: int, names: list[str],
                        descriptions: list[dict]) -> list[str]:
    want = _configured_ssl_policies(project, lb, port)
    if want is None:
        return []
    have = _ssl_policy_names(names, descriptions)
    wanted = set(want) - {ELB_DEFAULT_SSL_POLICY}
    out = []
    if have != wanted:
        out.append(f"the SSL policies are {', '.join(sorted(have)) or 'the default'} deployed but "
                   f"{', '.join(sorted(wanted)) or 'the default'} in the configuration")
    by_name = {d.get("PolicyName"): d for d in descriptions}
    for name in sorted(have & wanted):
        policy = want[name]
        live = {a.get("AttributeName"): a.get("AttributeValue")
                for a in by_name.get(name, {}).get("PolicyAttributeDescriptions", [])}
        for attribute in (policy.attributes if policy is not None else []):
            if isinstance(attribute.name, str) and isinstance(attribute.value, str) \
                    and str(live.get(attribute.name)).casefold() != attribute.value.casefold():
                out.append(f"policy {name} has {attribute.name} = {live.get(attribute.name)} deployed but "
                           f"{attribute.value} in the configuration")
    return out
