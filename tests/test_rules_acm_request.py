"""Requested ACM certificate rules (validators/rules/acm_request.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from elbtls.validators.findings import Severity, Where
from elbtls.validators.model import (CertificateResource, CertificateValidation, Context, DnsRecord, Project, Ref,
                                     Unresolved)
from elbtls.validators.rules import acm_request

CTX = Context(at=datetime(2025, 6, 1, tzinfo=timezone.utc))
ADDRESS = "aws_acm_certificate.web"


def cert(domain_name="www.example.com", sans=(), method="DNS", cbd=True, **kw):
    return CertificateResource(address=ADDRESS, where=Where(file="cert.tf", line=3), kind="acm-requested",
                               domain_name=domain_name, subject_alternative_names=list(sans),
                               validation_method=method, create_before_destroy=cbd, **kw)


def validation(target=ADDRESS):
    return CertificateValidation(address="aws_acm_certificate_validation.web", where=Where(file="cert.tf", line=20),
                                 certificate_arn=Ref(address=target, attribute="arn"))


def record(name="validation", per_option=False, refs=(ADDRESS,), instances=1):
    return DnsRecord(address=f"aws_route53_record.{name}", where=Where(file="dns.tf", line=1), refs=frozenset(refs),
                     per_validation_option=per_option, type="CNAME", instances=instances)


def validated(*certs, records=None):
    """A project whose certificates are completely DNS-validated unless told otherwise."""
    return Project(certificates=list(certs), validations=[validation()],
                   dns_records=[record(per_option=True)] if records is None else records)


def run(project: Project, slug: str | None = None):
    found = [f for check in acm_request.CHECKS for f in check(project, CTX)]
    return [f for f in found if slug is None or f.rule == slug]


def test_clean_requested_certificate():
    assert run(validated(cert(sans=["example.com", "*.example.com"]))) == []


# --- domain-name-invalid --------------------------------------------------------------

@pytest.mark.parametrize("name,why", [
    ("exämple.com", "punycode"), ("www.example.com.", "trailing dot"), ("a.*.example.com", "wildcard"),
    ("*example.com", "wildcard"), ("*.*.example.com", "wildcard"), (("a" * 64) + ".example.com", "label"),
    (".".join(["a" * 63] * 4) + ".com", "253"), ("-bad.example.com", "hyphen"), ("bad-.example.com", "hyphen"),
    ("localhost", "two labels"), ("web_1.example.com", "letters"), ("a..example.com", "letters")])
def test_domain_name_invalid(name, why):
    found = run(validated(cert(domain_name="www.example.com", sans=[name])), "domain-name-invalid")
    assert len(found) == 1 and why in found[0].message


@pytest.mark.parametrize("name", ["*.example.com", "xn--bcher-kva.example", "a-b.example.co.uk", "EXAMPLE.com",
                                  ".".join(["a" * 63] * 3) + "." + "b" * 61])
def test_domain_name_valid(name):
    assert run(validated(cert(sans=[name])), "domain-name-invalid") == []


def test_unresolved_names_are_reported_unchecked():
    unknown = Unresolved(expression="var.domain", reason="no default")
    found = run(validated(cert(domain_name=unknown, sans=[unknown])))
    assert [f.rule for f in found] == ["value-unresolved", "value-unresolved"]


def test_common_name_too_long():
    long_name = ("a" * 60) + ".com.au"   # 67 octets, valid as a SAN
    found = run(validated(cert(domain_name=long_name)))
    assert [f.rule for f in found] == ["common-name-too-long"]


def test_common_name_of_64_octets_is_fine_and_long_sans_are_allowed():
    name64 = ("a" * 57) + ".com.au"
    assert len(name64) == 64
    assert run(validated(cert(domain_name=name64, sans=[("b" * 60) + ".com.au"]))) == []


# --- too-many-sans --------------------------------------------------------------------

def names(n):
    return [f"host{i}.example.com" for i in range(n)]


def test_too_many_sans_warns_above_the_default_quota():
    found = run(validated(cert(domain_name="host0.example.com", sans=names(11))), "too-many-sans")
    assert len(found) == 1 and found[0].severity is Severity.WARNING and "11" in found[0].message


def test_too_many_sans_is_an_error_above_100():
    found = run(validated(cert(domain_name="host0.example.com", sans=names(101))), "too-many-sans")
    assert len(found) == 1 and found[0].severity is Severity.ERROR


def test_ten_names_counting_domain_name_once_are_fine():
    # domain_name repeated in the SANs (as Terraform configurations often do) counts once
    assert run(validated(cert(domain_name="host0.example.com", sans=names(10))), "too-many-sans") == []


# --- amazon-owned-domain --------------------------------------------------------------

@pytest.mark.parametrize("name", ["my-app.us-east-1.elasticbeanstalk.com", "d111.CloudFront.net",
                                  "bucket.s3.amazonaws.com", "amazonaws.com"])
def test_amazon_owned_domain(name):
    assert len(run(validated(cert(sans=[name])), "amazon-owned-domain")) == 1


@pytest.mark.parametrize("name", ["notamazonaws.com", "cloudfront.net.example.com"])
def test_lookalike_domains_are_not_amazon_owned(name):
    assert run(validated(cert(sans=[name])), "amazon-owned-domain") == []


# --- validation-method-invalid --------------------------------------------------------

@pytest.mark.parametrize("method,hint", [("HTTP", "CloudFront"), ("dns", "case"), ("PHONE", "")])
def test_validation_method_invalid(method, hint):
    found = run(validated(cert(method=method)), "validation-method-invalid")
    assert len(found) == 1 and hint in found[0].message


@pytest.mark.parametrize("method", ["DNS", "EMAIL", None])
def test_validation_method_valid(method):
    assert run(validated(cert(method=method)), "validation-method-invalid") == []


# --- dns-validation-incomplete --------------------------------------------------------

def test_dns_validation_without_validation_resource():
    project = Project(certificates=[cert()], dns_records=[record(per_option=True)])
    found = run(project, "dns-validation-incomplete")
    assert len(found) == 1 and "aws_acm_certificate_validation" in found[0].message


def test_validation_of_another_certificate_does_not_count():
    project = Project(certificates=[cert()], validations=[validation("aws_acm_certificate.other")],
                      dns_records=[record(per_option=True)])
    assert len(run(project, "dns-validation-incomplete")) == 1


def test_dns_validation_without_records():
    found = run(validated(cert(), records=[]), "dns-validation-incomplete")
    assert len(found) == 1 and "record" in found[0].message


def test_dns_validation_with_too_few_records():
    project = validated(cert(domain_name="example.com", sans=["www.example.com"]), records=[record()])
    assert len(run(project, "dns-validation-incomplete")) == 1


def test_one_record_block_keyed_by_name_counts_each_instance():
    """The CDK construct's form: one aws_route53_record with for_each over a map keyed by
    domain name creates a record per name."""
    project = validated(cert(domain_name="example.com", sans=["www.example.com"]), records=[record(instances=2)])
    assert run(project, "dns-validation-incomplete") == []


def test_record_count_unknown_before_plan_is_reported_unchecked():
    project = validated(cert(domain_name="example.com", sans=["www.example.com"]), records=[record(instances=None)])
    assert run(project, "dns-validation-incomplete") == []
    assert [f.rule for f in run(project)] == ["value-unresolved"]


def test_wildcard_and_base_name_share_one_record():
    project = validated(cert(domain_name="example.com", sans=["*.example.com"]), records=[record()])
    assert run(project, "dns-validation-incomplete") == []


def test_records_that_do_not_reference_the_certificate_do_not_count():
    project = validated(cert(), records=[record(refs=("aws_elb.web",))])
    assert len(run(project, "dns-validation-incomplete")) == 1


def test_validation_and_records_of_another_stack_do_not_count():
    """Stack a validates its aws_acm_certificate.web; stack b's certificate at the same
    address has neither validation nor records and is the only one reported."""
    def put(stack, *resources):
        return [r.model_copy(update={"stack": stack, "where": Where(file=f"{stack}/cert.tf", line=3)})
                for r in resources]
    project = Project(certificates=put("a", cert()) + put("b", cert()), validations=put("a", validation()),
                      dns_records=put("a", record(per_option=True)))
    found = run(project, "dns-validation-incomplete")
    assert [f.file for f in found] == ["b/cert.tf", "b/cert.tf"] and "no aws_acm_certificate_validation" in \
        found[0].message and "refer to it create 0" in found[1].message


def test_email_validation_needs_no_records():
    assert run(Project(certificates=[cert(method="EMAIL")]), "dns-validation-incomplete") == []


# --- lifecycle and transparency -------------------------------------------------------

@pytest.mark.parametrize("kind", ["acm-requested", "acm-imported", "iam"])
def test_missing_create_before_destroy(kind):
    found = run(validated(cert(cbd=False).model_copy(update={"kind": kind})), "missing-create-before-destroy")
    assert len(found) == 1 and found[0].resource == ADDRESS


def test_create_before_destroy_present():
    assert run(validated(cert(cbd=True)), "missing-create-before-destroy") == []


def test_transparency_logging_disabled():
    found = run(validated(cert(transparency_logging="DISABLED")))
    assert [f.rule for f in found] == ["transparency-logging-disabled"]


@pytest.mark.parametrize("value", ["ENABLED", None])
def test_transparency_logging_enabled(value):
    assert run(validated(cert(transparency_logging=value))) == []
