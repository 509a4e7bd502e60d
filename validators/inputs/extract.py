"""Map the resources of a module instance (and of the local modules it calls) into the
models of validators/model.py. One function per resource type; each reads only the
arguments its model has. `refs` holds every resource address the resource's expressions
mention, so the rules can link records, validations and policies to what they serve.
"""

from __future__ import annotations

import re

from ..catalog import finding
from ..findings import Finding, Where
from ..model import (
    BackendServerPolicy, CertificateResource, CertificateValidation, DnsRecord, HostBinding, LbPolicy, Listener,
    ListenerPolicy, LoadBalancer, Pem, PolicyAttribute, Project, Ref, SslNegotiationPolicy, Unresolved,
)
from .evaluate import ChildProblem, Scope
from .functions import Sourced, is_whole, to_text
from .tree import Block


def extract(scope: Scope, project: Project, findings: list[Finding], spans: dict) -> None:
    """Add the resources of `scope` and of its local child modules to `project`."""
    for block in scope.module.resources:
        address = scope.prefix + ("data." if block.type == "data" else "") + ".".join(block.labels)
        if _not_created(scope, block):
            continue
        spans.setdefault(block.file, []).append((address, block.line, block.last_line))
        build = _BUILDERS.get(block.labels[0]) if block.type == "resource" else None
        if build is not None:
            build(_Resource(scope, block, address, findings), project)
    for name, call in scope.module.calls.items():
        if _not_created(scope, call):
            continue
        child = scope.child(name)
        if isinstance(child, ChildProblem):
            findings.append(finding(child.slug, child.message, Where(file=call.file, line=call.line)))
        else:
            extract(child, project, findings, spans)


def stack_of(scope: Scope) -> str:
    """The identity of the root module a scope belongs to: its directory as displayed."""
    return scope.root.display or "."


def _not_created(scope: Scope, block: Block) -> bool:
    """True when `count` or `for_each` is known to create no instance."""
    count = scope.eval(block.attrs["count"]) if "count" in block.attrs else None
    each = scope.eval(block.attrs["for_each"]) if "for_each" in block.attrs else None
    no_count = is_whole(count) and count == 0
    return no_count or (isinstance(each, (list, dict)) and not each)


class _Resource:
    """One resource block being read in its module scope."""

    def __init__(self, scope: Scope, block: Block, address: str, findings: list[Finding]):
        self.scope, self.block, self.address, self.findings = scope, block, address, findings
        self.where = Where(file=block.file, line=block.line, resource=address)
        # Every expression is evaluated here, collecting the references it mentions; those
        # of the resource and of its own static blocks (listener, lifecycle, ...) keep their
        # values for `value`, so none is evaluated twice (file() reads a file).
        self.all_refs: set[Ref] = set()
        self._values: list[tuple[Block, dict]] = [(block, self._evaluate(block))]
        for child in block.blocks:
            if child.type == "dynamic":
                self.all_refs |= _refs(scope, child, _bound_in(child, frozenset()))
                continue
            self._values.append((child, self._evaluate(child)))
            for grandchild in child.blocks:
                self.all_refs |= _refs(scope, grandchild, _bound_in(grandchild, frozenset()))

    def _evaluate(self, block: Block) -> dict:
        return {name: self.scope.eval(expr, self.all_refs) for name, expr in block.attrs.items()}

    @property
    def stack(self) -> str:
        return stack_of(self.scope)

    def common(self) -> dict:
        """The fields every Resource model has."""
        conf = self.scope.provider_of(self.block)
        region = conf.region
        if "region" in self.block.attrs:  # a per-resource region (AWS provider 6)
            region = self.scope.region(self.block.attrs["region"], conf.key)
        return {"address": self.address, "where": self.where, "stack": self.stack, "region": region,
                "provider": conf.key, "refs": frozenset(r.address for r in self.all_refs if r.address != self.address)}

    def value(self, name: str, block: Block | None = None):
        block = block or self.block
        for evaluated, values in self._values:
            if evaluated is block:
                return values.get(name)
        expr = block.attrs.get(name)
        return None if expr is None else self.scope.eval(expr)

    def text(self, name: str, block: Block | None = None):
        return _as_str(self.value(name, block), self._expr_text(name, block))

    def number(self, name: str, block: Block | None = None):
        value, text = self.value(name, block), self._expr_text(name, block)
        if value is None or isinstance(value, (Ref, Unresolved)):
            return value
        if isinstance(value, bool):
            return Unresolved(expression=text, reason="expected a number, got a bool")
        if is_whole(value):
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
            return int(value)  # Terraform converts "443" to a number
        return Unresolved(expression=text, reason="expected a whole number")

    def texts(self, name: str, block: Block | None = None):
        value, text = self.value(name, block), self._expr_text(name, block)
        if value is None:
            return None
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, Ref):
            return Unresolved(expression=text, reason=f"a list from {value.address}, known only after apply")
        if not isinstance(value, list):
            return Unresolved(expression=text, reason="expected a list")
        return [_as_str(v, text) for v in value]

    def pem(self, name: str):
        value = self.value(name)
        expr = self.block.attrs.get(name)
        if value is None:
            return None
        if isinstance(value, Sourced):
            return Pem(text=str(value), origin=value.origin)
        if isinstance(value, str):
            return Pem(text=value, origin=Where(file=self.block.file, line=expr.line, resource=self.address))
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, Ref):
            return Unresolved(expression=expr.text, reason=f"comes from {value.address}, known only after apply")
        return Unresolved(expression=expr.text, reason="expected PEM text")

    def flag(self, block_type: str, name: str) -> bool:
        return any(self.value(name, b) is True for b in self.block.children(block_type))

    def nested(self, block_type: str) -> list[Block]:
        """The `block_type` blocks; a `dynamic` one is reported, since its content is known
        only at plan."""
        for d in self.block.children("dynamic"):
            if d.labels and d.labels[0] == block_type:
                self.findings.append(finding(
                    "value-unresolved", f'the {block_type} blocks of {self.address} come from a dynamic block, '
                    f"known only at plan; the rules on {block_type} blocks were not applied to them",
                    Where(file=d.file, line=d.line, resource=self.address)))
        return self.block.children(block_type)

    def _expr_text(self, name: str, block: Block | None) -> str:
        expr = (block or self.block).attrs.get(name)
        return expr.text if expr is not None else name


def _as_str(value, text: str):
    """A string field: Terraform converts numbers and bools to strings; lists do not fit."""
    if value is None or isinstance(value, (Ref, Unresolved)):
        return value
    converted = to_text(value)
    return Unresolved(expression=text, reason="expected a string") if converted is None else str(converted)


def _refs(scope: Scope, block: Block, bound: frozenset = frozenset()) -> set[Ref]:
    """Every resource reference in a block's arguments and nested blocks."""
    refs: set[Ref] = set()
    for expr in block.attrs.values():
        scope.eval(expr, refs, bound)
    for child in block.blocks:
        refs |= _refs(scope, child, _bound_in(child, bound))
    return refs


def _bound_in(child: Block, bound: frozenset) -> frozenset:
    """The names bound inside `child`: a dynamic block adds its iterator (`listener.value`
    inside dynamic "listener")."""
    if child.type == "dynamic" and child.labels:
        iterator = child.attrs.get("iterator")
        return bound | {getattr(iterator, "root", None) or child.labels[0]}
    return bound


def _certificate(r: _Resource, project: Project) -> None:
    b = r.block
    imported = "certificate_body" in b.attrs or "private_key" in b.attrs
    options = b.children("options")
    project.certificates.append(CertificateResource(
        **r.common(), kind="acm-imported" if imported else "acm-requested",
        body=r.pem("certificate_body"), chain=r.pem("certificate_chain"), private_key=r.pem("private_key"),
        domain_name=r.text("domain_name"),
        subject_alternative_names=r.texts("subject_alternative_names") or [],
        validation_method=r.text("validation_method"), key_algorithm=r.text("key_algorithm"),
        transparency_logging=r.text("certificate_transparency_logging_preference", options[0]) if options else None,
        create_before_destroy=r.flag("lifecycle", "create_before_destroy")))


def _iam_certificate(r: _Resource, project: Project) -> None:
    project.certificates.append(CertificateResource(
        **r.common(), kind="iam", body=r.pem("certificate_body"), chain=r.pem("certificate_chain"),
        private_key=r.pem("private_key"), name=r.text("name"), name_prefix=r.text("name_prefix"),
        path=r.text("path"), create_before_destroy=r.flag("lifecycle", "create_before_destroy")))


def _load_balancer(r: _Resource, project: Project) -> None:
    listeners = [Listener(lb_port=r.number("lb_port", b), lb_protocol=r.text("lb_protocol", b),
                          instance_port=r.number("instance_port", b),
                          instance_protocol=r.text("instance_protocol", b),
                          ssl_certificate_id=r.text("ssl_certificate_id", b),
                          where=Where(file=b.file, line=b.line, resource=r.address))
                 for b in r.nested("listener")]
    project.load_balancers.append(LoadBalancer(**r.common(), name=r.text("name"), name_prefix=r.text("name_prefix"),
                                               listeners=listeners))


def _attributes(r: _Resource, block_type: str) -> list[PolicyAttribute]:
    return [PolicyAttribute(name=r.text("name", b), value=r.text("value", b)) for b in r.nested(block_type)]


def _lb_policy(r: _Resource, project: Project) -> None:
    project.lb_policies.append(LbPolicy(
        **r.common(), load_balancer=r.text("load_balancer_name"), policy_name=r.text("policy_name"),
        policy_type_name=r.text("policy_type_name"), attributes=_attributes(r, "policy_attribute")))


def _listener_policy(r: _Resource, project: Project) -> None:
    project.listener_policies.append(ListenerPolicy(
        **r.common(), load_balancer=r.text("load_balancer_name"), lb_port=r.number("load_balancer_port"),
        policy_names=r.texts("policy_names") or []))


def _backend_policy(r: _Resource, project: Project) -> None:
    project.backend_policies.append(BackendServerPolicy(
        **r.common(), load_balancer=r.text("load_balancer_name"), instance_port=r.number("instance_port"),
        policy_names=r.texts("policy_names") or []))


def _ssl_negotiation_policy(r: _Resource, project: Project) -> None:
    project.ssl_negotiation_policies.append(SslNegotiationPolicy(
        **r.common(), name=r.text("name"), load_balancer=r.text("load_balancer"), lb_port=r.number("lb_port"),
        attributes=_attributes(r, "attribute")))


def _validation(r: _Resource, project: Project) -> None:
    project.validations.append(CertificateValidation(
        **r.common(), certificate_arn=r.text("certificate_arn"),
        validation_record_fqdns=r.texts("validation_record_fqdns")))


def _dns_record(r: _Resource, project: Project) -> None:
    b = r.block
    iteration: set[Ref] = set()
    instances: int | None = 1
    for meta in ("for_each", "count"):
        if meta in b.attrs:
            known = r.scope.eval(b.attrs[meta], iteration)
            instances = len(known) if isinstance(known, (list, dict)) else known if is_whole(known) else None
    per_option = any(_type_of(ref.address) == "aws_acm_certificate"
                     and ref.attribute.split(".")[0] == "domain_validation_options" for ref in iteration)
    aliases = r.nested("alias")
    target = r.text("name", aliases[0]) if aliases else None
    record = DnsRecord(**r.common(), name=r.text("name"), type=r.text("type"), alias_target=target,
                       per_validation_option=per_option, instances=instances)
    project.dns_records.append(record)
    # A record name without a dot is relative to a zone the model does not carry: skipped.
    if isinstance(target, Ref) and _type_of(target.address) == "aws_elb" and isinstance(record.name, str) \
            and "." in record.name.strip("."):
        project.hosts.append(HostBinding(host=record.name.rstrip("."), target=target.address, where=r.where,
                                         stack=r.stack))


def _type_of(address: str) -> str:
    """`module.a.aws_elb.web` -> `aws_elb`."""
    parts = address.split(".")
    return parts[-2] if len(parts) >= 2 else ""


_BUILDERS = {
    "aws_acm_certificate": _certificate,
    "aws_iam_server_certificate": _iam_certificate,
    "aws_elb": _load_balancer,
    "aws_load_balancer_policy": _lb_policy,
    "aws_load_balancer_listener_policy": _listener_policy,
    "aws_load_balancer_backend_server_policy": _backend_policy,
    "aws_lb_ssl_negotiation_policy": _ssl_negotiation_policy,
    "aws_acm_certificate_validation": _validation,
    "aws_route53_record": _dns_record,
}
