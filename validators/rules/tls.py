"""TLS negotiation and back-end authentication rules for Classic Load Balancers: which
security policy a secure listener really negotiates with, whether it allows legacy TLS or
can serve the certificate's key type, and whether listener and back-end policies point at
something that exists.

Sources: "SSL negotiation configurations for Classic Load Balancers" and the predefined
policy table (facts/tls_policies.py), "Configure back-end server authentication".
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass

from ..catalog import finding
from ..facts import tls_policies
from ..facts.key_support import ACM_REQUEST_DEFAULT
from ..facts.limits import ELB_RESERVED_POLICY_PREFIXES
from ..findings import Finding, Where
from ..model import (CertificateResource, Context, LbPolicy, LoadBalancer, Pem, PolicyAttribute, Project, Ref,
                     SslNegotiationPolicy, Unresolved)
from . import certificate, links
from .elb import is_secure, protocol


@dataclass(frozen=True)
class Negotiation:
    """The SSL negotiation a listener uses: a predefined policy (`predefined` set; also the
    default when none is attached) or a custom policy's enabled ciphers (`custom` set)."""

    label: str
    predefined: tls_policies.Policy | None = None
    custom: LbPolicy | SslNegotiationPolicy | None = None


def _attribute(policy: LbPolicy | SslNegotiationPolicy, name: str) -> PolicyAttribute | None:
    return next((a for a in policy.attributes if a.name == name), None)


def _is_true(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() == "true"


def _label(policy: LbPolicy | SslNegotiationPolicy) -> str:
    name = policy.policy_name if isinstance(policy, LbPolicy) else policy.name
    return f"{policy.address} ({name})" if isinstance(name, str) else policy.address


def _ssl_policies(project: Project) -> Iterator[LbPolicy | SslNegotiationPolicy]:
    yield from (p for p in project.lb_policies if links.is_ssl_negotiation(p))
    yield from project.ssl_negotiation_policies


def _secure_listeners(project: Project):
    for lb in project.load_balancers:
        for listener in lb.listeners:
            if is_secure(listener.lb_protocol) and isinstance(listener.lb_port, int):
                yield lb, listener


def negotiations(project: Project, lb: LoadBalancer, lb_port: int, at: Where) -> tuple[list[Negotiation], list[Finding]]:
    """What the listener on `lb_port` negotiates with, and value-unresolved findings for
    attached policies this cannot tell. No SSL policy at all means the AWS default."""
    found: list[Negotiation] = []
    skipped: list[Finding] = []
    index = links.of(project)
    for attached in index.attached_policies(lb, lb_port):
        policy = attached.policy
        if policy is None:
            name = attached.name
            if isinstance(name, Ref) and links.resource_type(name.address) != "aws_load_balancer_policy":
                continue   # a stickiness policy or the like: not an SSL negotiation policy
            if isinstance(name, str) and tls_policies.predefined(name):
                found.append(Negotiation(name, predefined=tls_policies.predefined(name)))
                continue
            if isinstance(name, Unresolved):
                skipped += links.need(name, at, f"A policy name attached by {attached.by.address} (TLS policy rules)")
            else:
                shown = name if isinstance(name, str) else f"{name.address}.{name.attribute}"
                skipped.append(finding("value-unresolved",
                                       f"Policy {shown[:80]!r} attached by {attached.by.address} is not defined in "
                                       "the configuration; the listener's TLS policy rules were not checked.", at))
            found.append(Negotiation("unknown"))
            continue
        if not links.is_ssl_negotiation(policy):
            continue
        reference = _attribute(policy, tls_policies.REFERENCE_ATTRIBUTE)
        if reference is None:
            found.append(Negotiation(_label(policy), custom=policy))
        elif isinstance(reference.value, str):
            found.append(Negotiation(reference.value, predefined=tls_policies.predefined(reference.value)))
        else:
            found.append(Negotiation("unknown"))   # check_policy_definitions reports the unresolved reference
    if not found and index.may_have_hidden_policies(lb):
        found.append(Negotiation("unknown"))   # check_policy_targets reports the unresolved value
    if not found:
        found.append(Negotiation(f"no policy (the default, {tls_policies.DEFAULT})",
                                 predefined=tls_policies.predefined(tls_policies.DEFAULT)))
    return found, skipped


def check_outdated(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb, listener in _secure_listeners(project):
        at = links.where(lb, listener)
        found, skipped = negotiations(project, lb, listener.lb_port, at)
        yield from skipped
        for negotiation in found:
            if negotiation.predefined is not None and negotiation.predefined.allows_legacy_tls:
                yield finding("ssl-policy-outdated",
                              f"The {protocol(listener.lb_protocol)} listener on lb_port {listener.lb_port} uses "
                              f"{negotiation.label}, which allows TLS 1.0/1.1; attach a policy with "
                              f"Reference-Security-Policy = {tls_policies.RECOMMENDED}.", at)


def check_policy_definitions(project: Project, ctx: Context) -> Iterator[Finding]:
    """Unknown references, weak protocols and reserved names on the policies themselves."""
    for policy in _ssl_policies(project):
        at = links.where(policy)
        reference = _attribute(policy, tls_policies.REFERENCE_ATTRIBUTE)
        if reference is not None:
            yield from links.need(reference.value, at, "Reference-Security-Policy (ssl-policy-unknown)")
            if isinstance(reference.value, str) and tls_policies.predefined(reference.value) is None:
                yield finding("ssl-policy-unknown",
                              f"Reference-Security-Policy {reference.value[:80]!r} names no predefined Classic Load "
                              f"Balancer policy; use {tls_policies.RECOMMENDED}.", at)
        for attribute in policy.attributes:
            if attribute.name in tls_policies.WEAK_PROTOCOLS and _is_true(attribute.value):
                yield finding("ssl-policy-weak-protocol",
                              f"{_label(policy)} enables {attribute.name}; set it to false and enable only "
                              "Protocol-TLSv1.2.", at)
    for policy in [*project.lb_policies, *project.ssl_negotiation_policies]:
        name = policy.policy_name if isinstance(policy, LbPolicy) else policy.name
        if isinstance(name, str) and name.startswith(ELB_RESERVED_POLICY_PREFIXES):
            yield finding("ssl-policy-reserved-name",
                          f"Policy name {name[:80]!r} starts with a prefix reserved for predefined policies "
                          f"({' or '.join(ELB_RESERVED_POLICY_PREFIXES)}); rename it.", links.where(policy))


def certificate_key_type(cert: CertificateResource, leaf=None) -> str | None:
    """"RSA", "EC", ... for a certificate resource: a requested certificate's key_algorithm
    (default RSA_2048), else the key of the first certificate in its body; None if unknown.
    `leaf` is that first certificate when the caller has it parsed already."""
    if cert.kind == "acm-requested":
        algorithm = cert.key_algorithm if cert.key_algorithm is not None else ACM_REQUEST_DEFAULT
        return algorithm.split("_")[0].upper() if isinstance(algorithm, str) else None
    from .. import pki   # parses X.509: only when a rule needs it
    if leaf is not None:
        return pki.key_type(leaf).split("_")[0]
    if not isinstance(cert.body, Pem):
        return None   # unresolved or missing bodies are the certificate rules' concern
    try:
        certificates = pki.parse_pem(cert.body.reveal()).certificates
    except pki.PemError:
        return None       # pem-malformed reports it
    return pki.key_type(certificates[0]).split("_")[0] if certificates else None


def _enabled_ciphers(negotiation: Negotiation) -> tuple[str, ...] | None:
    if negotiation.predefined is not None:
        return negotiation.predefined.ciphers
    if negotiation.custom is None:
        return None
    names = []
    for attribute in negotiation.custom.attributes:
        if not isinstance(attribute.name, str) or not isinstance(attribute.value, str):
            return None   # a dynamic attribute: the enabled set is not known
        if attribute.name not in tls_policies.PROTOCOLS and attribute.name not in tls_policies.OPTION_ATTRIBUTES \
                and _is_true(attribute.value):
            names.append(attribute.name)
    return tuple(names)


def check_cipher_key_type(project: Project, ctx: Context) -> Iterator[Finding]:
    for lb, listener in _secure_listeners(project):
        cert = links.certificate(project, listener.ssl_certificate_id, lb.stack)
        key_type = certificate_key_type(cert, certificate.leaf_of(project, cert)) if cert is not None else None
        if key_type is None:
            continue
        at = links.where(lb, listener)
        found, _ = negotiations(project, lb, listener.lb_port, at)   # check_outdated reports the skips
        for negotiation in found:
            ciphers = _enabled_ciphers(negotiation)
            if ciphers is None or any(tls_policies.cipher_key_type(c) == key_type for c in ciphers):
                continue
            example = "ECDHE-ECDSA-AES128-GCM-SHA256" if key_type == "EC" else "ECDHE-RSA-AES128-GCM-SHA256"
            yield finding("ssl-policy-no-matching-cipher",
                          f"The listener on lb_port {listener.lb_port} serves {cert.address}, which has a "
                          f"{key_type} key, but {negotiation.label} enables no cipher suite for {key_type} keys; "
                          f"enable one such as {example}.", at)


def check_policy_targets(project: Project, ctx: Context) -> Iterator[Finding]:
    for policy in [*project.listener_policies, *project.ssl_negotiation_policies]:
        at = links.where(policy)
        lb = links.load_balancer(project, policy.load_balancer, policy.stack)
        yield from links.need(policy.load_balancer, at, "`load_balancer` (policy-listener-missing)")
        yield from links.need(policy.lb_port, at, "`lb_port` (policy-listener-missing)")
        if lb is None or not isinstance(policy.lb_port, int):
            continue
        if not links.listeners_on(lb, policy.lb_port):
            ports = sorted(p for p in (l.lb_port for l in lb.listeners) if isinstance(p, int))
            yield finding("policy-listener-missing",
                          f"{policy.address} targets lb_port {policy.lb_port}, but {lb.address} has no listener "
                          f"there (its listeners: {', '.join(map(str, ports)) or 'none'}).", at)


def check_backend_auth(project: Project, ctx: Context) -> Iterator[Finding]:
    for backend in project.backend_policies:
        at = links.where(backend)
        lb = links.load_balancer(project, backend.load_balancer, backend.stack)
        yield from links.need(backend.instance_port, at, "`instance_port` (backend-auth-plain-backend)")
        yield from links.need(backend.policy_names, at, "`policy_names` (backend-auth-plain-backend)")
        if lb is None or not isinstance(backend.instance_port, int) or isinstance(backend.policy_names, Unresolved):
            continue
        policies = [links.lb_policy(project, lb, name, backend.stack) for name in backend.policy_names]
        if not any(p is not None and p.policy_type_name == links.BACKEND_AUTH_TYPE for p in policies):
            continue
        served = [protocol(l.instance_protocol) for l in lb.listeners if l.instance_port == backend.instance_port]
        if served and all(p in ("HTTP", "TCP") for p in served):
            yield finding("backend-auth-plain-backend",
                          f"{backend.address} authenticates the back end on instance port {backend.instance_port}, "
                          f"but every listener reaches it over {'/'.join(sorted(set(served)))}; use HTTPS/SSL as "
                          "instance_protocol or drop the policy.", at)


def public_key_problem(value: str) -> str | None:
    """Why a PublicKeyPolicyType `PublicKey` value is not base64 DER of a public key."""
    if "-----BEGIN" in value:
        return "holds PEM armour; give only the base64 text between the BEGIN/END lines"
    try:
        der = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_der_public_key
    try:
        load_der_public_key(der)
    except UnsupportedAlgorithm:
        return "decodes to a public key of an unsupported algorithm"
    except ValueError:
        return "decodes to bytes that are not a DER SubjectPublicKeyInfo public key"
    return None


def check_public_keys(project: Project, ctx: Context) -> Iterator[Finding]:
    for policy in project.lb_policies:
        if policy.policy_type_name != links.PUBLIC_KEY_TYPE:
            continue
        at = links.where(policy)
        attribute = _attribute(policy, "PublicKey")
        if attribute is None:
            yield finding("backend-public-key-invalid",
                          f"{_label(policy)} has no PublicKey attribute; add the base64 DER public key.", at)
            continue
        yield from links.need(attribute.value, at, "PublicKey (backend-public-key-invalid)")
        if isinstance(attribute.value, str):
            problem = public_key_problem(attribute.value)
            if problem:
                yield finding("backend-public-key-invalid", f"PublicKey of {_label(policy)} {problem}.", at)


CHECKS = [check_outdated, check_policy_definitions, check_cipher_key_type, check_policy_targets,
          check_backend_auth, check_public_keys]
