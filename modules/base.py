"""What every elbtls construct shares: readable Terraform names, the region its resources
land in, and the synth-time validation that runs the validator's rules on its models.

The validation: each construct describes the resources it creates as the validator's models
(`models()`) and names the constructs it uses (`uses()`, e.g. a load balancer's
certificates). At synth it runs every rule over its own models plus those of the constructs
it uses, and reports what the constructs it uses do not report themselves, so a defect is
reported once, by the construct whose combination reveals it. Error findings fail synth
(`[construct path] slug (code): message`); warnings become CDK warning annotations.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

from ..validators.findings import Finding, Severity, Where
from ..validators.model import (BackendServerPolicy, CertificateResource, CertificateValidation, Context, DnsRecord,
                                HostBinding, LbPolicy, ListenerPolicy, LoadBalancer, Project, Unresolved)
from . import cdk

_PROJECT_FIELDS = {CertificateResource: "certificates", LoadBalancer: "load_balancers", LbPolicy: "lb_policies",
                   ListenerPolicy: "listener_policies", BackendServerPolicy: "backend_policies",
                   CertificateValidation: "validations", DnsRecord: "dns_records", HostBinding: "hosts"}


def terraform_name(text: str) -> str:
    """`text` with every character a Terraform identifier cannot hold replaced by `_`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


class ElbTlsConstruct(cdk.Construct):
    """Base of the elbtls constructs; subclasses implement `models()` and may override `uses()`."""

    def __init__(self, scope: cdk.Construct, id: str) -> None:
        super().__init__(scope, id)
        self.node.add_validation(RuleValidation(self))
        # Each jsii call is a round trip to Node: skip the lookups a stack-level construct
        # (the usual case) does not need.
        self.stack = scope if isinstance(scope, cdk.TerraformStack) else cdk.TerraformStack.of(self)
        self.stack_path = _stack_path(self.stack)
        self.tf_name = self._terraform_name(scope, id)

    # --- naming and placement ----------------------------------------------------------
    def _terraform_name(self, scope: cdk.Construct, id: str) -> str:
        """The Terraform resource name of the construct's main resource: its path inside the
        stack (`web`, or `group_web` when nested), so the HCL reads like hand-written code."""
        path = id if scope is self.stack else self.node.path[len(self.stack_path) + 1:]
        name = terraform_name(path.replace("/", "_"))
        return name if re.match(r"[A-Za-z_]", name) else f"_{name}"

    def named(self, resource, suffix: str = ""):
        """Give `resource` the Terraform name `<tf_name><suffix>`; returns its address."""
        resource.override_logical_id(self.tf_name + suffix)
        return f"{_resource_type(type(resource), resource)}.{self.tf_name}{suffix}"

    @cached_property
    def region(self) -> str | Unresolved:
        """The stack's region (elbtls stacks know it); Unresolved in a stack that does not say."""
        region = getattr(self.stack, "region", None)
        if isinstance(region, str):
            return region
        return Unresolved(expression=f"provider aws in stack {self.stack_path}",
                          reason="the stack does not declare its region to elbtls")

    @property
    def provider(self) -> str:
        """The provider configuration, qualified by stack: stacks never share one."""
        return f"{self.stack_path}:aws"

    def resource_fields(self, address: str, **extra) -> dict:
        """The fields every model of this construct's resources shares."""
        return {"address": address, "where": Where(resource=address), "region": self.region,
                "provider": self.provider, **extra}

    @cached_property
    def stack_dir(self) -> Path:
        """Where the synthesized stack lands (`<outdir>/stacks/<stack id>`); file() paths in
        the HCL are relative to it, through `path.module`."""
        return Path(cdk.App.of(self).outdir).resolve() / "stacks" / self.stack.node.id

    # --- synth-time validation ----------------------------------------------------------
    def models(self) -> list:
        raise NotImplementedError

    def uses(self) -> list["ElbTlsConstruct"]:
        return []

    def input_findings(self) -> list[Finding]:
        """Findings about the construct's own inputs that no rule sees (unreadable files)."""
        return []

    def findings(self, at: datetime | None = None) -> list[Finding]:
        """What this construct reports (see the module docstring)."""
        ctx = Context(at=at or datetime.now(timezone.utc))
        used = [c for c in self.uses() if isinstance(c, ElbTlsConstruct)]
        found = run_rules([*self.models(), *(m for c in used for m in c.models())], ctx)
        reported_elsewhere = {f for c in used for f in run_rules(c.models(), ctx)}
        return [*self.input_findings(), *(f for f in found if f not in reported_elsewhere)]


_RESOURCE_TYPES: dict[type, str] = {}


def _resource_type(cls: type, resource) -> str:
    """`aws_elb` for Elb: one jsii lookup per class."""
    if cls not in _RESOURCE_TYPES:
        _RESOURCE_TYPES[cls] = resource.terraform_resource_type
    return _RESOURCE_TYPES[cls]


def _stack_path(stack) -> str:
    """A stack's construct path: one jsii lookup per stack, kept on the stack object."""
    path = getattr(stack, "_elbtls_path", None)
    if path is None:
        path = stack._elbtls_path = stack.node.path
    return path


def project_of(models: list) -> Project:
    fields: dict[str, list] = {name: [] for name in _PROJECT_FIELDS.values()}
    for model in models:
        fields[_PROJECT_FIELDS[type(model)]].append(model)
    return Project(**fields)


def run_rules(models: list, ctx: Context) -> list[Finding]:
    """Every rule of the validator over these models, deduplicated."""
    from ..validators.engine import dedupe, run_check
    from ..validators.rules import all_checks

    project = project_of(models)
    return dedupe(f for check in all_checks() for f in run_check(check, project, ctx))


def message(f: Finding) -> str:
    return f"{f.rule} ({f.id}): {f.message}"


@cdk.implements(cdk.IValidation)
class RuleValidation:
    """Runs the validator's rules on a construct at synth (registered by ElbTlsConstruct)."""

    def __init__(self, construct: ElbTlsConstruct) -> None:
        self._construct = construct

    def validate(self) -> list[str]:
        errors = []
        for f in self._construct.findings():
            if f.severity is Severity.ERROR:
                errors.append(message(f))
            elif f.severity is Severity.WARNING:
                cdk.Annotations.of(self._construct).add_warning(message(f))
        return errors
