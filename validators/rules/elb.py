"""Classic Load Balancer (`aws_elb`) and listener rules: names, ports, protocols, which
listeners need a certificate, and whether the certificate id is an ARN in the right region.

Sources: CreateLoadBalancer API (names), the Classic Load Balancer listener guide (ports,
protocol pairs), the AWS provider's aws_elb schema (name_prefix, ssl_certificate_id).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from ..catalog import finding
from ..facts.limits import (ACM_CERTIFICATE_ARN_PATTERN, ELB_LAYER7_PROTOCOLS, ELB_NAME_MAX, ELB_NAME_PATTERN,
                            ELB_NAME_PREFIX_MAX, ELB_NAME_PREFIX_PATTERN, ELB_PORT_MAX, ELB_PORT_MIN, ELB_PROTOCOLS,
                            ELB_SECURE_PROTOCOLS, IAM_SERVER_CERTIFICATE_ARN_PATTERN)
from ..findings import Finding
from ..model import Context, Listener, LoadBalancer, Project, Ref
from . import links

_ACM_ARN = re.compile(ACM_CERTIFICATE_ARN_PATTERN)
_IAM_ARN = re.compile(IAM_SERVER_CERTIFICATE_ARN_PATTERN, re.ASCII)


def protocol(value: object) -> str | None:
    """A listener protocol in upper case when it is a literal (AWS accepts any case)."""
    return value.upper() if isinstance(value, str) else None


def is_secure(value: object) -> bool:
    return protocol(value) in ELB_SECURE_PROTOCOLS


def _listeners(project: Project) -> Iterator[tuple[LoadBalancer, Listener]]:
    for lb in project.load_balancers:
        for listener in lb.listeners:
            yield lb, listener


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "..."


def check_lb_name(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb in project.load_balancers:
        at = links.where(lb)
        yield from links.need(lb.name, at, "The load balancer `name` (lb-name-invalid)")
        yield from links.need(lb.name_prefix, at, "The load balancer `name_prefix` (lb-name-invalid)")
        if isinstance(lb.name, str) and lb.name:
            problems = []
            if len(lb.name) > ELB_NAME_MAX:
                problems.append(f"is {len(lb.name)} characters long (at most {ELB_NAME_MAX})")
            if not re.fullmatch(ELB_NAME_PATTERN, lb.name):
                problems.append("may hold only letters, digits and hyphens, and may not start or end with a hyphen")
            if problems:
                yield finding("lb-name-invalid", f"Load balancer name {_short(lb.name)!r} {' and '.join(problems)}.", at)
        if isinstance(lb.name_prefix, str) and lb.name_prefix:
            problems = []
            if len(lb.name_prefix) > ELB_NAME_PREFIX_MAX:
                problems.append(f"is {len(lb.name_prefix)} characters long (at most {ELB_NAME_PREFIX_MAX}: "
                                "the provider appends a 26-character suffix)")
            if not re.fullmatch(ELB_NAME_PREFIX_PATTERN, lb.name_prefix):
                problems.append("may hold only letters, digits and hyphens, and may not start with a hyphen")
            if problems:
                yield finding("lb-name-invalid",
                              f"Load balancer name_prefix {_short(lb.name_prefix)!r} {' and '.join(problems)}.", at)


def check_listener_ports(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb, listener in _listeners(project):
        at = links.where(lb, listener)
        for field in ("lb_port", "instance_port"):
            value = getattr(listener, field)
            yield from links.need(value, at, f"A listener's `{field}` (listener-port-invalid)")
            if isinstance(value, int) and not ELB_PORT_MIN <= value <= ELB_PORT_MAX:
                yield finding("listener-port-invalid",
                              f"Listener {field} {value} is outside {ELB_PORT_MIN} to {ELB_PORT_MAX}; use a valid TCP port.", at)


def check_listener_protocols(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb, listener in _listeners(project):
        at = links.where(lb, listener)
        for field in ("lb_protocol", "instance_protocol"):
            value = getattr(listener, field)
            yield from links.need(value, at, f"A listener's `{field}` (listener protocol rules)")
            if isinstance(value, str) and protocol(value) not in ELB_PROTOCOLS:
                yield finding("listener-protocol-invalid",
                              f"Listener {field} {_short(value)!r} is not one of {', '.join(ELB_PROTOCOLS)}.", at)
        front, back = protocol(listener.lb_protocol), protocol(listener.instance_protocol)
        if front in ELB_PROTOCOLS and back in ELB_PROTOCOLS and \
                (front in ELB_LAYER7_PROTOCOLS) != (back in ELB_LAYER7_PROTOCOLS):
            yield finding("listener-protocol-mismatch",
                          f"Listener on lb_port {listener.lb_port} pairs front end {front} with back end {back}; "
                          "HTTP/HTTPS must go to HTTP/HTTPS and TCP/SSL to TCP/SSL.", at)


def _has_certificate(listener: Listener) -> bool:
    return listener.ssl_certificate_id is not None and listener.ssl_certificate_id != ""


def check_listener_certificate(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb, listener in _listeners(project):
        at = links.where(lb, listener)
        front, back = protocol(listener.lb_protocol), protocol(listener.instance_protocol)
        if front in ELB_SECURE_PROTOCOLS and not _has_certificate(listener):
            yield finding("listener-missing-certificate",
                          f"The {front} listener on lb_port {listener.lb_port} has no ssl_certificate_id; "
                          "set it to an ACM or IAM server-certificate ARN.", at)
        if _has_certificate(listener) and front in ELB_PROTOCOLS and back in ELB_PROTOCOLS \
                and front not in ELB_SECURE_PROTOCOLS and back not in ELB_SECURE_PROTOCOLS:
            yield finding("certificate-on-plain-listener",
                          f"The {front}->{back} listener on lb_port {listener.lb_port} sets ssl_certificate_id "
                          "but terminates no TLS; remove it or make the front end HTTPS/SSL.", at)


def check_listener_ports_unique(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb in project.load_balancers:
        by_port: dict[int, list[Listener]] = defaultdict(list)
        by_instance_port: dict[int, list[Listener]] = defaultdict(list)
        for listener in lb.listeners:
            if isinstance(listener.lb_port, int):
                by_port[listener.lb_port].append(listener)
            if isinstance(listener.instance_port, int) and protocol(listener.instance_protocol) in ELB_PROTOCOLS:
                by_instance_port[listener.instance_port].append(listener)
        for port, group in by_port.items():
            for extra in group[1:]:
                yield finding("duplicate-listener-port",
                              f"{len(group)} listeners use lb_port {port}; each listener needs its own lb_port.",
                              links.where(lb, extra))
        for port, group in by_instance_port.items():
            first = is_secure(group[0].instance_protocol)
            for other in group[1:]:
                if is_secure(other.instance_protocol) != first:
                    yield finding("instance-port-security-conflict",
                                  f"Instance port {port} is reached over {protocol(group[0].instance_protocol)} by the "
                                  f"listener on lb_port {group[0].lb_port} but over {protocol(other.instance_protocol)} "
                                  f"by the one on lb_port {other.lb_port}; use one security for an instance port.",
                                  links.where(lb, other))
                    break


def check_certificate_arn(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb, listener in _listeners(project):
        at = links.where(lb, listener)
        value = listener.ssl_certificate_id
        yield from links.need(value, at, "A listener's `ssl_certificate_id` (certificate rules)")
        if isinstance(value, str) and value:
            if not (_ACM_ARN.fullmatch(value) or _IAM_ARN.fullmatch(value)):
                yield finding("certificate-arn-invalid",
                              f"ssl_certificate_id {_short(value)!r} is neither an ACM certificate ARN "
                              "(arn:aws:acm:REGION:ACCOUNT:certificate/ID) nor an IAM server-certificate ARN "
                              "(arn:aws:iam::ACCOUNT:server-certificate/NAME).", at)
        elif isinstance(value, Ref) and value.attribute:
            allowed = links.CERTIFICATE_ARN_ATTRIBUTES.get(links.resource_type(value.address))
            if allowed and value.attribute not in allowed:
                yield finding("certificate-arn-invalid",
                              f"ssl_certificate_id is `{value.address}.{value.attribute}`, which is not an ARN; "
                              f"use `{value.address}.{allowed[0]}`.", at)


def _unknown_region(what: str, at, lb: LoadBalancer) -> Finding:
    return finding("value-unresolved",
                   f"The region of {what} or of {lb.address} is not known before plan and they use different "
                   "providers; certificate-region-mismatch was not checked.", at)


def check_certificate_region(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb, listener in _listeners(project):
        at = links.where(lb, listener)
        value = listener.ssl_certificate_id
        if isinstance(value, str):
            match = _ACM_ARN.fullmatch(value)
            if not match:
                continue
            what, cert_region, cert_provider = f"certificate {value}", match.group(1), None
        else:
            cert = links.certificate(project, value, lb.stack)
            if cert is None or not cert.kind.startswith("acm"):
                continue
            what, cert_region, cert_provider = cert.address, cert.region, cert.provider
        if isinstance(cert_region, str) and isinstance(lb.region, str):
            if cert_region != lb.region:
                yield finding("certificate-region-mismatch",
                              f"The listener on lb_port {listener.lb_port} uses {what} in {cert_region}, but the load "
                              f"balancer is in {lb.region}; ACM certificates are regional: use one in {lb.region}.", at)
        elif cert_provider is None or cert_provider != lb.provider:
            yield _unknown_region(what, at, lb)


CHECKS = [check_lb_name, check_listener_ports, check_listener_protocols, check_listener_certificate,
          check_listener_ports_unique, check_certificate_arn, check_certificate_region]
