"""IAM server certificate rules (validators/rules/iam.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from elbtls.validators.findings import Where
from elbtls.validators.model import CertificateResource, Context, Listener, LoadBalancer, Project, Ref, Unresolved
from elbtls.validators.rules import iam

CTX = Context(at=datetime(2025, 6, 1, tzinfo=timezone.utc))
ADDRESS = "aws_iam_server_certificate.web"


def cert(name=None, name_prefix="web-", path=None, address=ADDRESS):
    return CertificateResource(address=address, where=Where(file="iam.tf", line=2), kind="iam", name=name,
                               name_prefix=name_prefix, path=path, create_before_destroy=True)


def elb_using(ref_address=ADDRESS, attribute="arn"):
    listener = Listener(lb_port=443, lb_protocol="HTTPS", instance_port=80, instance_protocol="HTTP",
                        ssl_certificate_id=Ref(address=ref_address, attribute=attribute), where=Where(file="elb.tf", line=4))
    return LoadBalancer(address="aws_elb.web", where=Where(file="elb.tf", line=1), name="web", listeners=[listener])


def run(project: Project, slug: str | None = None):
    found = [f for check in iam.CHECKS for f in check(project, CTX)]
    return [f for f in found if slug is None or f.rule == slug]


@pytest.mark.parametrize("name", ["my cert", "cért", "a" * 129, "", "web/cert", "web:cert"])
def test_iam_name_invalid(name):
    found = run(Project(certificates=[cert(name=name, name_prefix=None)]), "iam-name-invalid")
    assert len(found) == 1 and found[0].resource == ADDRESS


@pytest.mark.parametrize("name", ["a" * 128, "web_cert.example-2025+=,@", "W"])
def test_iam_name_valid(name):
    assert run(Project(certificates=[cert(name=name, name_prefix=None)]), "iam-name-invalid") == []


def test_iam_name_prefix_too_long():
    found = run(Project(certificates=[cert(name_prefix="p" * 103)]), "iam-name-invalid")
    assert len(found) == 1 and "102" in found[0].message


def test_iam_name_prefix_at_limit():
    assert run(Project(certificates=[cert(name_prefix="p" * 102)]), "iam-name-invalid") == []


def test_unresolved_name_is_reported_unchecked():
    found = run(Project(certificates=[cert(name=Unresolved(expression="var.n", reason="no default"),
                                           name_prefix=None)]))
    assert [f.rule for f in found] == ["value-unresolved"]


@pytest.mark.parametrize("path", ["cloudfront/", "/cloudfront", "//", "/a b/", "/é/", "/" + "a" * 511 + "/"])
def test_iam_path_invalid(path):
    assert len(run(Project(certificates=[cert(path=path)]), "iam-path-invalid")) == 1


@pytest.mark.parametrize("path", ["/", "/cloudfront/", "/cloudfront/test/", "/" + "a" * 510 + "/"])
def test_iam_path_valid(path):
    assert run(Project(certificates=[cert(path=path)]), "iam-path-invalid") == []


def test_fixed_name_used_by_a_load_balancer():
    found = run(Project(certificates=[cert(name="web-2025", name_prefix=None)], load_balancers=[elb_using()]))
    assert [f.rule for f in found] == ["iam-fixed-name-rotation"] and "aws_elb.web" in found[0].message


def test_fixed_name_from_a_variable_is_still_fixed():
    fixed = cert(name=Unresolved(expression="var.n", reason="no default"), name_prefix=None)
    found = run(Project(certificates=[fixed], load_balancers=[elb_using()]), "iam-fixed-name-rotation")
    assert len(found) == 1


def test_name_prefix_used_by_a_load_balancer_is_fine():
    assert run(Project(certificates=[cert()], load_balancers=[elb_using()])) == []


def test_fixed_name_not_used_by_a_load_balancer_is_fine():
    other = elb_using("aws_iam_server_certificate.other")
    assert run(Project(certificates=[cert(name="web-2025", name_prefix=None)], load_balancers=[other])) == []


def test_fixed_name_is_judged_by_the_users_in_its_own_stack():
    """aws_elb.web of stack b uses b's certificate; stack a's fixed-name certificate at the
    same address has no user."""
    fixed = cert(name="web", name_prefix=None)
    project = Project(certificates=[fixed.model_copy(update={"stack": "a"}), cert().model_copy(update={"stack": "b"})],
                      load_balancers=[elb_using().model_copy(update={"stack": "b"})])
    assert run(project, "iam-fixed-name-rotation") == []
    used = project.model_copy(update={"load_balancers": [elb_using().model_copy(update={"stack": "a"})]})
    assert len(run(used, "iam-fixed-name-rotation")) == 1
