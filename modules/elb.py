"""A Classic Load Balancer (`aws_elb`) with its TLS policies and back-end authentication."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization

from ..validators import pki
from ..validators.facts import tls_policies
from ..validators.facts.limits import ACM_CHAIN_MAX_BYTES
from ..validators.findings import Where
from ..validators.inputs.discover import read_text
from ..validators.inputs.tree import InputError
from ..validators.model import (BackendServerPolicy, HostBinding, LbPolicy, Listener, ListenerPolicy, LoadBalancer,
                                PolicyAttribute, Ref)
from ..validators.rules.links import BACKEND_AUTH_TYPE, PUBLIC_KEY_TYPE, SSL_NEGOTIATION_TYPE
from ..validators.stackconfig import CustomTlsPolicy
from . import cdk, conventions
from .base import ElbTlsConstruct, terraform_name
from .props import CertificateSource, ListenerProps, LoadBalancerProps, parse


class ClassicLoadBalancer(ElbTlsConstruct):
    """`aws_elb` with HTTP, HTTPS, TCP and SSL listeners. Every HTTPS/SSL listener gets a TLS
    policy through `aws_load_balancer_policy` + `aws_load_balancer_listener_policy`: the
    predefined ELBSecurityPolicy-TLS-1-2-2017-01 unless it names another predefined policy
    (`Reference-Security-Policy`) or a custom one (protocols and ciphers); listeners sharing a
    policy share the resource. Back-end authentication puts PublicKeyPolicyType and
    BackendServerAuthenticationPolicyType policies on an instance port through
    `aws_load_balancer_backend_server_policy`."""

    def __init__(self, scope: cdk.Construct, id: str, *, props: LoadBalancerProps | dict | None = None,
                 **kwargs) -> None:
        p = parse(LoadBalancerProps, props, kwargs)
        public_keys = {auth.instance_port: [_public_key(path) for path in auth.certificates]
                       for auth in p.backend_authentication}
        super().__init__(scope, id)
        self.props = p
        self.elb = cdk.Elb(
            self, "elb", name=p.name, listener=[_listener(listener) for listener in p.listeners],
            subnets=p.subnets or None, availability_zones=p.availability_zones or None,
            security_groups=p.security_groups or None, internal=p.internal,
            cross_zone_load_balancing=p.cross_zone_load_balancing, idle_timeout=p.idle_timeout,
            connection_draining=p.connection_draining, connection_draining_timeout=p.connection_draining_timeout,
            health_check=cdk.ElbHealthCheck(**p.health_check.model_dump()) if p.health_check else None,
            access_logs=cdk.ElbAccessLogs(**p.access_logs.model_dump(exclude_none=True)) if p.access_logs else None,
            tags=p.tags or None)
        self.address = self.named(self.elb)
        self.elb_name = self.elb.name  # a token; read once (each read is a jsii round trip)
        self._models: list = []
        self._tls_policies()
        for port, keys in public_keys.items():
            self._backend_authentication(port, keys)

    # --- policies ------------------------------------------------------------------------
    def _policy(self, suffix: str, policy_name: str, policy_type: str, attributes: list[tuple[str, str, object]]):
        """One aws_load_balancer_policy; `attributes` are (name, HCL value, model value)."""
        policy = cdk.LoadBalancerPolicy(
            self, suffix.strip("_"), load_balancer_name=self.elb_name, policy_name=policy_name,
            policy_type_name=policy_type,
            policy_attribute=[cdk.LoadBalancerPolicyPolicyAttribute(name=n, value=v) for n, v, _ in attributes])
        address = self.named(policy, suffix)
        self._models.append(LbPolicy(**self.resource_fields(address, refs=frozenset({self.address})),
                                     load_balancer=self._lb_ref, policy_name=policy_name, policy_type_name=policy_type,
                                     attributes=[PolicyAttribute(name=n, value=m) for n, _, m in attributes]))
        return policy, Ref(address=address, attribute="policy_name")

    @property
    def _lb_ref(self) -> Ref:
        return Ref(address=self.address, attribute="name")

    def _tls_policies(self) -> None:
        made: dict[str, tuple] = {}
        for listener in self.props.listeners:
            if not listener.secure:
                continue
            name, attributes = _tls_policy(listener.tls_policy or tls_policies.RECOMMENDED)
            if name not in made:
                made[name] = self._policy(f"_tls_{terraform_name(name)}", name, SSL_NEGOTIATION_TYPE,
                                          [(n, v, v) for n, v in attributes])
            policy, ref = made[name]
            attach = cdk.LoadBalancerListenerPolicy(
                self, f"listener-{listener.lb_port}", load_balancer_name=self.elb_name,
                load_balancer_port=listener.lb_port, policy_names=[policy.policy_name])
            address = self.named(attach, f"_listener_{listener.lb_port}")
            self._models.append(ListenerPolicy(**self.resource_fields(address, refs=frozenset({self.address})),
                                               load_balancer=self._lb_ref, lb_port=listener.lb_port, policy_names=[ref]))

    def _backend_authentication(self, port: int, keys: list[str]) -> None:
        key_policies = [self._policy(f"_backend_key_{port}_{i}", conventions.backend_key_policy(port, i), PUBLIC_KEY_TYPE,
                                     [("PublicKey", key, key)]) for i, key in enumerate(keys)]
        auth, auth_ref = self._policy(f"_backend_auth_{port}", conventions.backend_auth_policy(port), BACKEND_AUTH_TYPE,
                                      [("PublicKeyPolicyName", policy.policy_name, ref) for policy, ref in key_policies])
        attach = cdk.LoadBalancerBackendServerPolicy(
            self, f"backend-{port}", load_balancer_name=self.elb_name, instance_port=port,
            policy_names=[auth.policy_name])
        address = self.named(attach, f"_backend_{port}")
        self._models.append(BackendServerPolicy(**self.resource_fields(address, refs=frozenset({self.address})),
                                                load_balancer=self._lb_ref, instance_port=port, policy_names=[auth_ref]))

    # --- validation ----------------------------------------------------------------------
    def uses(self) -> list:
        return list({id(l.certificate): l.certificate for l in self.props.listeners
                     if isinstance(l.certificate, CertificateSource)}.values())

    def models(self) -> list:
        p = self.props
        where = Where(resource=self.address)
        listeners = [Listener(lb_port=l.lb_port, lb_protocol=l.lb_protocol, instance_port=l.instance_port,
                              instance_protocol=l.instance_protocol, where=where,
                              ssl_certificate_id=l.certificate.arn_ref() if isinstance(l.certificate, CertificateSource)
                              else l.certificate)
                     for l in p.listeners]
        refs = frozenset(c.arn_ref().address for c in self.uses())
        lb = LoadBalancer(**self.resource_fields(self.address, refs=refs), name=p.name, listeners=listeners)
        hosts = [HostBinding(host=h, target=self.address, where=where) for h in p.hosts]
        return [lb, *self._models, *hosts]


def _listener(listener: ListenerProps):
    certificate = listener.certificate
    return cdk.ElbListener(
        lb_port=listener.lb_port, lb_protocol=listener.lb_protocol, instance_port=listener.instance_port,
        instance_protocol=listener.instance_protocol,
        ssl_certificate_id=certificate.arn if isinstance(certificate, CertificateSource) else certificate)


def _tls_policy(spec: str | CustomTlsPolicy) -> tuple[str, list[tuple[str, str]]]:
    """(policy name on the load balancer, attributes) of an SSLNegotiationPolicyType policy."""
    if isinstance(spec, str):
        return conventions.tls_policy(spec), [(tls_policies.REFERENCE_ATTRIBUTE, spec)]
    attributes = [(name, "true") for name in [*spec.protocols, *spec.ciphers]]
    if spec.server_defined_cipher_order:
        attributes.append((tls_policies.SERVER_ORDER_ATTRIBUTE, "true"))
    return spec.name, attributes


def _public_key(path: str) -> str:
    """Base64 DER SubjectPublicKeyInfo of the first certificate in a PEM file: what a
    PublicKeyPolicyType policy's PublicKey holds. Raises ValueError naming the file."""
    try:
        contents = pki.parse_pem(read_text(path, ACM_CHAIN_MAX_BYTES))
    except (InputError, pki.PemError) as e:
        raise ValueError(f"{path}: back-end certificate {e}; give a PEM certificate file") from None
    if not contents.certificates:
        raise ValueError(f"{path}: holds no PEM certificate; give the back-end (or its CA's) certificate")
    der = contents.certificates[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")

