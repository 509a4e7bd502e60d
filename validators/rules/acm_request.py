"""Rules for requested ACM certificates (`aws_acm_certificate` with `domain_name`) and the
lifecycle of every certificate resource.

Sources: ACM RequestCertificate API and its model (DomainNameString pattern, 253/63/64
octet limits, at most 100 names), ACM quotas (10 names by default), the AWS provider's
aws_acm_certificate(_validation) documentation (validation records, create_before_destroy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..catalog import finding
from ..facts.limits import (ACM_AMAZON_OWNED_DOMAINS, ACM_COMMON_NAME_MAX, ACM_DOMAIN_NAME_MAX,
                            ACM_DOMAIN_NAME_PATTERN, ACM_LABEL_MAX, ACM_SANS_DEFAULT_QUOTA, ACM_SANS_HARD_MAX,
                            ACM_VALIDATION_METHODS)
from ..findings import Finding, Severity
from ..model import CertificateResource, Context, Project, Unresolved
from . import links


def _requested(project: Project) -> Iterator[CertificateResource]:
    return (c for c in project.certificates if c.kind == "acm-requested")


def requested_names(cert: CertificateResource) -> tuple[list[str], list[Finding]]:
    """The literal names a requested certificate asks for (domain_name first, then SANs, no
    repeats), and value-unresolved findings for those that are not literal."""
    at = links.where(cert)
    names: list[str] = []
    skipped: list[Finding] = []
    sans = cert.subject_alternative_names
    skipped += links.need(cert.domain_name, at, "`domain_name` (requested-name rules)")
    values = [cert.domain_name]
    if isinstance(sans, Unresolved):
        skipped += links.need(sans, at, "`subject_alternative_names` (requested-name rules)")
    else:
        for value in sans:
            skipped += links.need(value, at, "A subject alternative name (requested-name rules)")
        values += sans
    for value in values:
        if isinstance(value, str) and value not in names:
            names.append(value)
    return names, skipped


def domain_name_problems(name: str) -> list[str]:
    """Why ACM would reject `name` (empty when it is valid)."""
    if not name.isascii():
        return ["has non-ASCII characters (write an internationalised name in punycode, xn--...)"]
    problems = []
    if name.endswith("."):
        problems.append("ends with a dot (drop the trailing dot)")
    if len(name) > ACM_DOMAIN_NAME_MAX:
        problems.append(f"is {len(name)} octets long (at most {ACM_DOMAIN_NAME_MAX})")
    labels = name.rstrip(".").split(".")
    if any(len(label) > ACM_LABEL_MAX for label in labels):
        problems.append(f"has a label over {ACM_LABEL_MAX} octets")
    if "*" in name and not (labels[0] == "*" and "*" not in ".".join(labels[1:])):
        problems.append("has a wildcard that is not the whole left-most label (write *.example.com)")
    if not problems and not re.fullmatch(ACM_DOMAIN_NAME_PATTERN, name):
        problems.append("is not a domain name of at least two labels of letters, digits and hyphens, "
                        "no label starting or ending with a hyphen")
    return problems


def check_names(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in _requested(project):
        at = links.where(cert)
        names, skipped = requested_names(cert)
        yield from skipped
        for name in names:
            for problem in domain_name_problems(name):
                yield finding("domain-name-invalid", f"Requested name {name[:100]!r} {problem}.", at)
            lowered = name.lower().rstrip(".")
            owned = next((d for d in ACM_AMAZON_OWNED_DOMAINS if lowered == d or lowered.endswith("." + d)), None)
            if owned:
                yield finding("amazon-owned-domain",
                              f"ACM does not issue certificates for {name!r} (under {owned}, owned by Amazon); "
                              "use a domain you control.", at)
        if isinstance(cert.domain_name, str) and len(cert.domain_name.encode()) > ACM_COMMON_NAME_MAX:
            yield finding("common-name-too-long",
                          f"domain_name is {len(cert.domain_name.encode())} octets (the common name allows "
                          f"{ACM_COMMON_NAME_MAX}); use a shorter domain_name and list the long name in "
                          "subject_alternative_names.", at)
        if len(names) > ACM_SANS_DEFAULT_QUOTA:
            hard = len(names) > ACM_SANS_HARD_MAX
            limit = f"ACM allows at most {ACM_SANS_HARD_MAX}" if hard else \
                f"the default ACM quota is {ACM_SANS_DEFAULT_QUOTA}; request a quota increase first"
            yield finding("too-many-sans", f"The certificate requests {len(names)} names; {limit}, or split them "
                          "over several certificates.", at, severity=Severity.ERROR if hard else None)


def check_validation_method(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in _requested(project):
        at = links.where(cert)
        yield from links.need(cert.validation_method, at, "`validation_method` (validation rules)")
        method = cert.validation_method
        if isinstance(method, str) and method not in ACM_VALIDATION_METHODS:
            hint = " (HTTP validation is for CloudFront only)" if method.upper() == "HTTP" else \
                " (the value is case-sensitive)" if method.upper() in ACM_VALIDATION_METHODS else ""
            yield finding("validation-method-invalid",
                          f"validation_method {method[:40]!r} is not DNS or EMAIL{hint}; use DNS.", at)


def check_dns_validation(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in _requested(project):
        if cert.validation_method != "DNS":
            continue
        at = links.where(cert)
        if not links.of(project).validations_of(cert):
            yield finding("dns-validation-incomplete",
                          f"{cert.address} uses DNS validation but no aws_acm_certificate_validation waits for it; "
                          "add one whose certificate_arn is this certificate's arn.", at)
        records = links.of(project).records_referring(cert)
        if any(r.per_validation_option for r in records):
            continue
        if any(r.instances is None for r in records):
            yield from links.need(Unresolved(expression="count/for_each", reason="its size is known at plan"),
                                  at, f"the number of DNS validation records for {cert.address}")
            continue
        names, _ = requested_names(cert)
        # A wildcard and its base name (*.example.com, example.com) share one validation record.
        needed = {n.lower().removeprefix("*.").rstrip(".") for n in names}
        present = sum(r.instances for r in records)
        if present < max(len(needed), 1):
            yield finding("dns-validation-incomplete",
                          f"{cert.address} needs {len(needed) or 'a'} DNS validation record(s) but "
                          f"the aws_route53_record resources that refer to it create {present}; create one "
                          "record per domain_validation_options entry (for_each over it).", at)


def check_create_before_destroy(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in project.certificates:
        if not cert.create_before_destroy:
            yield finding("missing-create-before-destroy",
                          f"{cert.address} has no `lifecycle {{ create_before_destroy = true }}`; replacing a "
                          "certificate that a load balancer uses fails unless the new one exists first.",
                          links.where(cert))


def check_transparency_logging(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in project.certificates:
        value = cert.transparency_logging
        if isinstance(value, str) and value.upper() == "DISABLED":
            yield finding("transparency-logging-disabled",
                          f"{cert.address} sets certificate_transparency_logging_preference = \"DISABLED\"; "
                          "browsers reject certificates missing from CT logs: remove it or set ENABLED.",
                          links.where(cert))


CHECKS = [check_names, check_validation_method, check_dns_validation, check_create_before_destroy,
          check_transparency_logging]
