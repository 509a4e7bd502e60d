"""IAM server certificate (`aws_iam_server_certificate`) rules: name, path, and rotation.

Sources: IAM UploadServerCertificate API (name and path patterns and lengths), the AWS
provider's aws_iam_server_certificate documentation (name_prefix + create_before_destroy
for certificates a load balancer uses).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..catalog import finding
from ..facts.limits import IAM_NAME_MAX, IAM_NAME_PATTERN, IAM_NAME_PREFIX_MAX, IAM_PATH_MAX, IAM_PATH_PATTERN
from ..findings import Finding
from ..model import CertificateResource, Context, Project
from . import links

_NAME = re.compile(IAM_NAME_PATTERN, re.ASCII)   # \w is [A-Za-z0-9_] in IAM's pattern
_PATH = re.compile(IAM_PATH_PATTERN)


def _iam(project: Project) -> Iterator[CertificateResource]:
    return (c for c in project.certificates if c.kind == "iam")


def check_name(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in _iam(project):
        at = links.where(cert)
        for field, limit in (("name", IAM_NAME_MAX), ("name_prefix", IAM_NAME_PREFIX_MAX)):
            value = getattr(cert, field)
            yield from links.need(value, at, f"`{field}` (iam-name-invalid)")
            if not isinstance(value, str):
                continue
            problems = []
            if len(value) > limit:
                problems.append(f"is {len(value)} characters long (at most {limit})")
            if not _NAME.fullmatch(value):
                problems.append("must be 1 or more of letters, digits and _+=,.@-")
            if problems:
                yield finding("iam-name-invalid", f"IAM server certificate {field} {value[:140]!r} "
                              f"{' and '.join(problems)}.", at)


def check_path(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in _iam(project):
        at = links.where(cert)
        yield from links.need(cert.path, at, "`path` (iam-path-invalid)")
        path = cert.path
        if not isinstance(path, str):
            continue
        problems = []
        if len(path) > IAM_PATH_MAX:
            problems.append(f"is {len(path)} characters long (at most {IAM_PATH_MAX})")
        if not _PATH.fullmatch(path):
            problems.append("must be `/` or start and end with `/` with printable ASCII and no spaces between")
        if problems:
            yield finding("iam-path-invalid", f"IAM path {path[:80]!r} {' and '.join(problems)}.", at)


def check_fixed_name(project: Project, ctx: Context) -> Iterator[Finding]:
    for cert in _iam(project):
        users = links.of(project).users(cert)
        if cert.name is None or not users:
            continue
        lbs = sorted({lb.address for lb, _ in users})
        yield finding("iam-fixed-name-rotation",
                      f"{cert.address} has a fixed `name` and is used by {', '.join(lbs)}; a replacement cannot "
                      "exist beside it under the same name: use name_prefix with create_before_destroy.",
                      links.where(cert))


CHECKS = [check_name, check_path, check_fixed_name]
