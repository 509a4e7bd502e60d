"""The resolved view of a configuration that the rules read.

The input layer (validators/inputs) turns Terraform HCL/JSON, PEM files and the stack
config into a `Project`; the rules (validators/rules) only read a `Project`, and the CDK
constructs (modules/) build the same models directly, so synth and the CLI run one set
of rules. A value the input layer could not resolve before plan is an `Unresolved`, never
a guess; a reference to another resource's attribute is a `Ref`.
"""

from __future__ import annotations

import operator
from datetime import datetime
from typing import Callable, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from .findings import Where


class Ref(BaseModel):
    """`aws_acm_certificate.web.arn`: `address` is the full address (with `module.x.` prefix)."""

    model_config = ConfigDict(frozen=True)

    address: str
    attribute: str = ""


class Unresolved(BaseModel):
    """A value that cannot be known before plan (or that the resolver does not evaluate)."""

    model_config = ConfigDict(frozen=True)

    expression: str
    reason: str


class Pem(BaseModel):
    """PEM text and where it came from (`origin` is the file the text was read from, or the
    Terraform file that inlines it). Private keys travel as SecretStr so that no repr, log or
    error message can print them."""

    model_config = ConfigDict(frozen=True)

    text: SecretStr
    origin: Where

    def reveal(self) -> str:
        return self.text.get_secret_value()


T = TypeVar("T")
Str = Union[str, Ref, Unresolved, None]
Int = Union[int, Ref, Unresolved, None]
PemField = Union[Pem, Unresolved, None]


class Resource(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    address: str
    where: Where
    # The root module the resource belongs to (its directory as displayed): an address is
    # unique only inside one root, and a reference never leaves its root. "" for models
    # built outside the input layer (the CDK constructs, whose Projects hold one stack).
    stack: str = ""
    region: Union[str, Unresolved, None] = None
    # The provider configuration the resource uses, in root-module terms ("aws", "aws.use1"):
    # two resources on one provider share a region even when that region is unknown.
    provider: str | None = None
    # Every resource address any of this resource's expressions mention (for linking
    # records, validations and policies to what they serve).
    refs: frozenset[str] = frozenset()


CertificateKind = Literal["acm-imported", "acm-requested", "iam"]


class CertificateResource(Resource):
    """aws_acm_certificate (imported or requested) or aws_iam_server_certificate."""

    kind: CertificateKind
    body: PemField = None
    chain: PemField = None
    private_key: PemField = None
    domain_name: Str = None
    subject_alternative_names: Union[list[Str], Unresolved] = Field(default_factory=list)
    validation_method: Str = None
    key_algorithm: Str = None
    transparency_logging: Str = None
    create_before_destroy: bool = False
    name: Str = None
    name_prefix: Str = None
    path: Str = None


class Listener(BaseModel):
    lb_port: Int = None
    lb_protocol: Str = None
    instance_port: Int = None
    instance_protocol: Str = None
    ssl_certificate_id: Str = None
    where: Where


class LoadBalancer(Resource):
    """aws_elb with its inline listener blocks."""

    name: Str = None
    name_prefix: Str = None
    listeners: list[Listener] = Field(default_factory=list)


class PolicyAttribute(BaseModel):
    name: Str
    value: Str


class LbPolicy(Resource):
    """aws_load_balancer_policy: an SSLNegotiationPolicyType, PublicKeyPolicyType or
    BackendServerAuthenticationPolicyType policy on a Classic LB."""

    load_balancer: Str = None
    policy_name: Str = None
    policy_type_name: Str = None
    attributes: list[PolicyAttribute] = Field(default_factory=list)


class ListenerPolicy(Resource):
    """aws_load_balancer_listener_policy: policies attached to the listener on `lb_port`."""

    load_balancer: Str = None
    lb_port: Int = None
    policy_names: Union[list[Str], Unresolved] = Field(default_factory=list)


class BackendServerPolicy(Resource):
    """aws_load_balancer_backend_server_policy: policies on an instance port."""

    load_balancer: Str = None
    instance_port: Int = None
    policy_names: Union[list[Str], Unresolved] = Field(default_factory=list)


class SslNegotiationPolicy(Resource):
    """aws_lb_ssl_negotiation_policy (the older single-resource form)."""

    name: Str = None
    load_balancer: Str = None
    lb_port: Int = None
    attributes: list[PolicyAttribute] = Field(default_factory=list)


class CertificateValidation(Resource):
    """aws_acm_certificate_validation."""

    certificate_arn: Str = None
    validation_record_fqdns: Union[list[Str], Unresolved, None] = None


class DnsRecord(Resource):
    """aws_route53_record: a validation record (refs a certificate's
    domain_validation_options) or a host name aliasing a load balancer."""

    name: Str = None
    type: Str = None
    alias_target: Str = None
    # True when for_each/count iterates over a certificate's domain_validation_options,
    # i.e. one record per validation name.
    per_validation_option: bool = False
    # How many records the block creates: `count`, or the size of a known `for_each`
    # (one record per key, e.g. a map keyed by domain name); None when not known before plan.
    instances: int | None = 1


class PemBundle(BaseModel):
    """A standalone PEM file (`*.pem`, `*.crt`) as read: the certificate rules split it into
    leaf (first certificate), chain (the rest) and any private key."""

    pem: Pem


class HostBinding(BaseModel):
    """A host name the configuration serves through a load balancer or certificate
    (a Route 53 alias, a host declared in the stack config)."""

    host: str
    target: str  # the address of the aws_elb or certificate resource (or a PEM file's path)
    where: Where
    stack: str = ""  # the root module `target` is in (see Resource.stack)


class _Derived(dict):
    """What the rules derive from a Project and keep on it (rules/links.py's indexes). It is
    never part of the Project's value: any two compare equal, and a deep copy starts empty."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Derived)

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict) -> "_Derived":
        return _Derived()


class Project(BaseModel):
    """Everything found in the given paths, resolved as far as possible before plan."""

    _derived: _Derived = PrivateAttr(default_factory=_Derived)

    certificates: list[CertificateResource] = Field(default_factory=list)
    load_balancers: list[LoadBalancer] = Field(default_factory=list)
    lb_policies: list[LbPolicy] = Field(default_factory=list)
    listener_policies: list[ListenerPolicy] = Field(default_factory=list)
    backend_policies: list[BackendServerPolicy] = Field(default_factory=list)
    ssl_negotiation_policies: list[SslNegotiationPolicy] = Field(default_factory=list)
    validations: list[CertificateValidation] = Field(default_factory=list)
    dns_records: list[DnsRecord] = Field(default_factory=list)
    pem_bundles: list[PemBundle] = Field(default_factory=list)
    hosts: list[HostBinding] = Field(default_factory=list)

    def derive(self, name: str, build: Callable[["Project"], T]) -> T:
        """`build(self)`, computed once and kept with this Project under `name` (the rules'
        indexes and parsed certificates). A Project is read-only while the rules run; the
        value is rebuilt when one of the lists was replaced or has grown since, as tests and
        the live checks build projects step by step."""
        lists = tuple(self.__dict__.values())   # the fields (all lists), in their order
        sizes = tuple(map(len, lists))
        derived = self.__pydantic_private__["_derived"]   # self._derived, without pydantic's slow lookup
        kept = derived.get(name)
        if kept is None or kept[0] != sizes or not all(map(operator.is_, kept[1], lists)):
            kept = derived[name] = (sizes, lists, build(self))
        return kept[2]


class Context(BaseModel):
    """How to evaluate: the instant (`--at`) and the expiry window (`--warn-days`)."""

    at: datetime
    warn_days: int = 30
