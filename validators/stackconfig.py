"""The stack config file (`elbtls.stacks.toml`): which stacks `main.py` synthesizes, in which
regions, with which certificates and Classic Load Balancers.

Pure pydantic, no CDK: the CDK app builds its stacks from it (the construct props in
modules/props.py extend these models), and the validator reads the host names each load
balancer serves from it (`hosts()`). Shape errors are pydantic errors here; what AWS would
reject in otherwise well-typed values (names, policies, key types, regions of certificates)
is left to the validator's rules, which run on the constructs at synth.

Paths in the file are relative to the file's own directory. `schema()` is the JSON Schema
committed as examples/elbtls.stacks.schema.json for editors:

    python -m elbtls.validators.stackconfig schema > examples/elbtls.stacks.schema.json
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .facts import limits
from .facts.key_support import ACM_REQUEST_DEFAULT, ACM_REQUEST_KEY_ALGORITHMS
from .facts.tls_policies import PROTOCOLS, RECOMMENDED
from .findings import Where
from .model import HostBinding

CONFIG_FILENAME = "elbtls.stacks.toml"
SCHEMA_FILENAME = "elbtls.stacks.schema.json"

# A construct id, Terraform resource name and stack directory name at once (kept short).
IDENTIFIER = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
Identifier = Annotated[str, Field(pattern=IDENTIFIER)]
Port = Annotated[int, Field(ge=limits.ELB_PORT_MIN, le=limits.ELB_PORT_MAX)]
Protocol = Literal[limits.ELB_PROTOCOLS]
Tags = dict[str, str]
ZONE_LOOKUP = "lookup"
ZONE_VALUE = rf"^(Z[A-Z0-9]{{1,32}}|{ZONE_LOOKUP})$"


def _bounded(bounds: tuple[int, int], description: str, default=...):
    low, high = bounds
    return Field(default, ge=low, le=high, description=f"{description} ({low} to {high})")


class StackConfigError(ValueError):
    """The stack config cannot be read or is invalid. str() is "<file>: <detail>" for a CLI;
    `detail` alone is for a finding, which names the file in its own location."""

    def __init__(self, file: str, detail: str):
        super().__init__(f"{file}: {detail}")
        self.file, self.detail = file, detail


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CustomTlsPolicy(Spec):
    """A custom SSLNegotiationPolicyType policy: the protocols and ciphers to enable."""

    name: str = Field(min_length=1, description="Policy name on the load balancer (not ELBSecurityPolicy-* or ELBSample-*)")
    protocols: list[Literal[PROTOCOLS]] = Field(default=[PROTOCOLS[-1]], min_length=1)
    ciphers: list[str] = Field(min_length=1, description="OpenSSL-style cipher names as ELB spells them, e.g. ECDHE-RSA-AES128-GCM-SHA256")
    server_defined_cipher_order: bool = True


class Listener(Spec):
    lb_port: Port
    lb_protocol: Protocol
    instance_port: Port
    instance_protocol: Protocol
    certificate: str | None = Field(
        default=None, description="HTTPS/SSL front ends: the id of a certificate in this file, or an ACM/IAM certificate ARN")
    tls_policy: str | CustomTlsPolicy | None = Field(
        default=None, description="HTTPS/SSL front ends: a predefined policy name (default: the recommended "
                                  f"{RECOMMENDED}) or a custom policy")

    @field_validator("lb_protocol", "instance_protocol", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def secure(self) -> bool:
        return self.lb_protocol in limits.ELB_SECURE_PROTOCOLS

    @model_validator(mode="after")
    def _policy_needs_secure_front_end(self) -> "Listener":
        if self.tls_policy is not None and not self.secure:
            raise ValueError(f"tls_policy applies only to HTTPS/SSL front ends; lb_port {self.lb_port} is {self.lb_protocol}")
        return self


class HealthCheck(Spec):
    target: str = Field(description="PROTOCOL:PORT[/PATH], e.g. HTTPS:443/health or TCP:80")
    healthy_threshold: int = _bounded(limits.ELB_HEALTHY_THRESHOLD, "checks in a row")
    unhealthy_threshold: int = _bounded(limits.ELB_UNHEALTHY_THRESHOLD, "checks in a row")
    interval: int = _bounded(limits.ELB_HEALTH_CHECK_INTERVAL, "seconds")
    timeout: int = _bounded(limits.ELB_HEALTH_CHECK_TIMEOUT, "seconds")

    @model_validator(mode="after")
    def _timeout_below_interval(self) -> "HealthCheck":
        if self.timeout >= self.interval:
            raise ValueError(f"timeout ({self.timeout}) must be less than interval ({self.interval})")
        return self


class AccessLogs(Spec):
    bucket: str = Field(min_length=3, max_length=63)
    bucket_prefix: str | None = None
    interval: Literal[limits.ELB_ACCESS_LOG_INTERVALS] = 60
    enabled: bool = True


class BackendAuthentication(Spec):
    """Back-end server authentication on one instance port: the load balancer only talks to
    instances presenting a certificate whose public key (or whose issuer's) is listed."""

    instance_port: Port
    certificates: list[str] = Field(min_length=1, description="PEM files of the trusted back-end (or CA) certificates")


class LoadBalancer(Spec):
    name: str = Field(description="The Classic Load Balancer's name in AWS")
    listeners: list[Listener] = Field(min_length=1)
    subnets: list[str] = Field(default_factory=list)
    availability_zones: list[str] = Field(default_factory=list)
    security_groups: list[str] = Field(default_factory=list)
    internal: bool = False
    cross_zone_load_balancing: bool = True
    idle_timeout: int = _bounded(limits.ELB_IDLE_TIMEOUT, "seconds", 60)
    connection_draining: bool = True
    connection_draining_timeout: int = _bounded(limits.ELB_CONNECTION_DRAINING_TIMEOUT, "seconds", 300)
    health_check: HealthCheck | None = None
    access_logs: AccessLogs | None = None
    backend_authentication: list[BackendAuthentication] = Field(default_factory=list)
    hosts: list[str] = Field(default_factory=list, description="Host names served through this load balancer; "
                                                               "its certificates must cover them")
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="after")
    def _placement(self) -> "LoadBalancer":
        if bool(self.subnets) == bool(self.availability_zones):
            raise ValueError("give exactly one of subnets (in a VPC) or availability_zones")
        return self

    @model_validator(mode="after")
    def _custom_policies_consistent(self) -> "LoadBalancer":
        defined: dict[str, CustomTlsPolicy] = {}
        for listener in self.listeners:
            policy = listener.tls_policy
            if isinstance(policy, CustomTlsPolicy) and defined.setdefault(policy.name, policy) != policy:
                raise ValueError(f"two different custom TLS policies are named {policy.name!r}; a policy name "
                                 "means one policy on a load balancer: rename one")
        return self

    @model_validator(mode="after")
    def _backend_ports_exist(self) -> "LoadBalancer":
        ports = {listener.instance_port for listener in self.listeners}
        for auth in self.backend_authentication:
            if auth.instance_port not in ports:
                raise ValueError(f"backend_authentication names instance_port {auth.instance_port}, which no listener uses")
        return self


class RequestedCertificate(Spec):
    """An ACM certificate that ACM issues after DNS (or email) validation."""

    domain_name: str
    subject_alternative_names: list[str] = Field(default_factory=list)
    validation_method: Literal[limits.ACM_VALIDATION_METHODS] = "DNS"
    zones: dict[str, Annotated[str, Field(pattern=ZONE_VALUE)]] = Field(
        default_factory=dict, description="DNS validation: Route 53 zone domain -> hosted zone id, or \"lookup\" to "
                                          "find the public zone of that domain at plan; each name is validated in "
                                          "the zone with the longest matching domain")
    key_algorithm: Literal[ACM_REQUEST_KEY_ALGORITHMS] = ACM_REQUEST_DEFAULT
    transparency_logging: bool = True
    create_before_destroy: bool = True
    tags: Tags = Field(default_factory=dict)

    def names(self) -> list[str]:
        """domain_name then the SANs, each once, in the order given."""
        return list(dict.fromkeys([self.domain_name, *self.subject_alternative_names]))

    def validation_zones(self) -> dict[str, str]:
        """Validation record key -> zone domain, one record per distinct validation name:
        `*.x` and `x` share ACM's record, so a wildcard is folded into its base name when both
        are requested. Keys are names, so reordering the SANs keeps every record."""
        names = self.names()
        keys = {n for n in names if not (n.startswith("*.") and n[2:] in names)}
        return {name: self._zone_for(name) for name in sorted(keys)}

    def _zone_for(self, name: str) -> str:
        bare = name.removeprefix("*.").rstrip(".").lower()
        matches = [d for d in self.zones if bare == d.lower().rstrip(".") or bare.endswith("." + d.lower().rstrip("."))]
        if not matches:
            raise ValueError(f"{name!r} is in none of the zones {sorted(self.zones)}; add its Route 53 zone to `zones`")
        return max(matches, key=len)

    @model_validator(mode="after")
    def _zones_for_dns(self) -> "RequestedCertificate":
        if self.validation_method == "DNS":
            if not self.zones:
                raise ValueError("DNS validation needs `zones` (Route 53 zone domain -> hosted zone id)")
            self.validation_zones()  # every name must fall in a zone
        elif self.zones:
            raise ValueError("`zones` is only used with validation_method = \"DNS\"")
        return self


class PemFiles(Spec):
    """Certificate material for an import: body and chain are read with file() at apply (never
    inlined); the key comes from a file or a sensitive Terraform variable."""

    certificate_body_file: str = Field(description="PEM file holding the leaf certificate only")
    certificate_chain_file: str | None = Field(default=None, description="PEM file holding the intermediates, leaf's issuer first")
    private_key_file: str | None = Field(default=None, description="PEM private key file (keep it out of version control)")
    private_key_variable: Annotated[str, Field(pattern=IDENTIFIER)] | None = Field(
        default=None, description="Name of a sensitive Terraform variable that will hold the private key")

    @model_validator(mode="after")
    def _one_key_source(self) -> "PemFiles":
        if (self.private_key_file is None) == (self.private_key_variable is None):
            raise ValueError("give exactly one of private_key_file or private_key_variable")
        return self


class ImportedCertificate(PemFiles):
    create_before_destroy: bool = True
    tags: Tags = Field(default_factory=dict)


class IamCertificate(PemFiles):
    name_prefix: str | None = Field(default=None, description="Default: the certificate's id and a hyphen")
    path: str = "/"
    create_before_destroy: bool = True
    tags: Tags = Field(default_factory=dict)


# --- the file ------------------------------------------------------------------------------

class RequestedCertificateEntry(RequestedCertificate):
    id: Identifier
    kind: Literal["requested"]


class ImportedCertificateEntry(ImportedCertificate):
    id: Identifier
    kind: Literal["imported"]


class IamCertificateEntry(IamCertificate):
    id: Identifier
    kind: Literal["iam"]


CertificateEntry = Annotated[Union[RequestedCertificateEntry, ImportedCertificateEntry, IamCertificateEntry],
                             Field(discriminator="kind")]


class LoadBalancerEntry(LoadBalancer):
    id: Identifier


class Stack(Spec):
    name: Identifier
    region: Annotated[str, Field(pattern=f"^{limits.AWS_REGION_PATTERN}$")]
    tags: Tags = Field(default_factory=dict, description="default_tags of the stack's AWS provider")
    certificates: list[CertificateEntry] = Field(default_factory=list)
    load_balancers: list[LoadBalancerEntry] = Field(default_factory=list)


class DemoPki(Spec):
    """Examples only: when the files are missing (or the leaf expires within 30 days), create
    a throwaway test CA and, per entry, `<dir>/<stem>.crt`, `<stem>.chain.crt` and `<stem>.key`."""

    dir: str = "certs"
    certificates: dict[Annotated[str, Field(pattern=IDENTIFIER)], list[str]] = Field(
        description="file stem -> DNS names of the leaf")


class StackConfig(Spec):
    """elbtls stack config: the stacks `main.py` synthesizes."""

    model_config = ConfigDict(title="elbtls stack config")

    version: Literal[1] = 1
    demo_pki: DemoPki | None = None
    stacks: list[Stack] = Field(min_length=1)

    def certificates(self) -> dict[str, tuple[Stack, CertificateEntry]]:
        return {c.id: (s, c) for s in self.stacks for c in s.certificates}

    @model_validator(mode="after")
    def _unique_and_linked(self) -> "StackConfig":
        _unique("stack name", [s.name for s in self.stacks])
        # One namespace for certificates and load balancers: ids name constructs in a stack.
        _unique("id", [c.id for s in self.stacks for c in s.certificates]
                + [lb.id for s in self.stacks for lb in s.load_balancers])
        known = self.certificates()
        for stack in self.stacks:
            for lb in stack.load_balancers:
                for listener in lb.listeners:
                    ref = listener.certificate
                    if ref is not None and not ref.startswith("arn:") and ref not in known:
                        raise ValueError(f"load balancer {lb.id!r}, lb_port {listener.lb_port}: certificate {ref!r} "
                                         f"is neither an ARN nor a certificate id (ids: {', '.join(sorted(known)) or 'none'})")
        return self


def _unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} is used twice; make it unique in the file")
        seen.add(value)


def load(path: str | Path, display: str | None = None) -> StackConfig:
    """Read and validate a stack config; StackConfigError names `display` (default: path)."""
    display = display or str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise StackConfigError(display, f"cannot read the stack config ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise StackConfigError(display, "the stack config is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise StackConfigError(display, f"invalid TOML ({e})") from None
    try:
        return StackConfig.model_validate(data)
    except ValidationError as e:
        raise StackConfigError(display, f"invalid stack config:\n{describe_errors(e)}") from None


def describe_errors(e: ValidationError) -> str:
    """One line per error: the field path and what is wrong, never the input value (a field
    could hold a pasted secret)."""
    lines = []
    for err in e.errors(include_url=False, include_input=False):
        loc = ".".join(str(part) for part in err["loc"] if not str(part).startswith(("function-", "tagged-union")))
        lines.append(f"  {loc or '(top level)'}: {err['msg']}")
    return "\n".join(lines)


def hosts(path: str, display: str) -> list[HostBinding]:
    """The host names each load balancer of the stack config serves, bound to the load
    balancer's Terraform address (`aws_elb.<id>`, the name the CDK app gives it).
    Raises StackConfigError when the file cannot be read or is invalid."""
    config = load(path, display)
    text = Path(path).read_text(encoding="utf-8")
    return [HostBinding(host=host, target=elb_address(lb.id), where=Where(file=display, line=_line_of(text, host)))
            for stack in config.stacks for lb in stack.load_balancers for host in lb.hosts]


def elb_address(lb_id: str) -> str:
    """The Terraform address the CDK app gives the load balancer with this id."""
    return f"aws_elb.{lb_id}"


def _line_of(text: str, value: str) -> int | None:
    match = re.search(re.escape(json.dumps(value)) + "|" + re.escape(f"'{value}'"), text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def schema() -> dict:
    """The JSON Schema of the stack config (what examples/elbtls.stacks.schema.json holds)."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **StackConfig.model_json_schema()}


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["schema"]:
        sys.stdout.write(schema_text())
        return 0
    if len(argv) == 2 and argv[0] == "check":
        try:
            load(argv[1])
        except StackConfigError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"{argv[1]}: ok")
        return 0
    print("usage: python -m elbtls.validators.stackconfig schema | check FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
