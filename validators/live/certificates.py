"""Looking up deployed certificates: ACM (DescribeCertificate or one ListCertificates per
region, then GetCertificate for the body) and IAM (GetServerCertificate), each ARN once per
run however many listeners use it.

A lookup ends in one of three outcomes: `Deployed` (what AWS holds), `Missing` (it does not
exist where the load balancer looks for it) or `AwsFailure` (the call failed after retries;
the caller reports it as not checked). Failures are cached like answers, so a broken ARN
costs one failed call and yields one finding.

The expiry date is read from the certificate body when there is one: that is what ACM and
IAM report (moto's IAM reports a fixed fake `Expiration`, which we therefore never trust
over the body). The API's NotAfter is used only when there is no body.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

from .. import pki
from ..facts.limits import ACM_CERTIFICATE_ARN_PATTERN, IAM_SERVER_CERTIFICATE_ARN_PATTERN
from .clients import AwsFailure, Clients

# ListCertificates returns only RSA_1024/RSA_2048 certificates unless asked for every key type.
ACM_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
ACM_LIST_PAGE = 1000                     # ListCertificates MaxItems ceiling
ACM_ABSENT = ("ResourceNotFoundException",)
ACM_NO_BODY = ("ResourceNotFoundException", "RequestInProgressException")
IAM_ABSENT = ("NoSuchEntity",)
HAS_BODY = ("ISSUED", "EXPIRED")          # ACM statuses for which GetCertificate returns a body

_ACM_ARN = re.compile(ACM_CERTIFICATE_ARN_PATTERN)
_IAM_ARN = re.compile(IAM_SERVER_CERTIFICATE_ARN_PATTERN, re.ASCII)


def acm_region(arn: str) -> str | None:
    m = _ACM_ARN.fullmatch(arn)
    return m.group(1) if m else None


def is_iam(arn: str) -> bool:
    return bool(_IAM_ARN.fullmatch(arn))


def is_certificate_arn(value: object) -> bool:
    return isinstance(value, str) and (acm_region(value) is not None or is_iam(value))


@dataclass(frozen=True)
class Deployed:
    arn: str
    kind: str                          # "acm-imported" | "acm-requested" | "iam" (model.CertificateKind)
    status: str                        # ACM Status; IAM certificates have none and count as ISSUED
    not_after: datetime | None
    renewable: bool                    # whether AWS renews it (only ACM-issued and ELIGIBLE)
    key_algorithm: str | None
    body: str | None = None
    chain: str | None = None
    body_failure: AwsFailure | None = None   # GetCertificate failed: the body was not checked


@dataclass(frozen=True)
class Missing:
    arn: str
    looked_in: str                     # a region, or "IAM"
    found_in: str | None = None        # where the certificate does exist, when elsewhere


Outcome = Deployed | Missing | AwsFailure


def _body_not_after(body: str | None) -> datetime | None:
    if not body:
        return None
    try:
        certs = pki.parse_pem(body).certificates
    except pki.PemError:
        return None
    return pki.not_after(certs[0]) if certs else None


def _acm_kind(cert_type: str | None) -> str:
    return "acm-imported" if cert_type == "IMPORTED" else "acm-requested"


class CertificateStore:
    """The run's cache of certificate lookups; safe to share between region threads."""

    def __init__(self, clients: Clients) -> None:
        self._clients = clients
        self._outcomes: dict[tuple[str, str], Outcome] = {}
        self._summaries: dict[str, dict[str, dict]] = {}   # region -> arn -> ListCertificates summary
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}

    def prefetch(self, region: str) -> None:
        """List the region's ACM certificates in one paginated call, so that each one the
        audit meets needs only GetCertificate. A failure here costs nothing but the
        shortcut: lookups fall back to DescribeCertificate and report their own failures."""
        try:
            summaries = {s["CertificateArn"]: s
                         for page in self._clients.pages("acm", region, "list_certificates",
                                                         Includes={"keyTypes": ACM_KEY_TYPES},
                                                         PaginationConfig={"PageSize": ACM_LIST_PAGE})
                         for s in page.get("CertificateSummaryList", [])}
        except AwsFailure:
            return
        with self._lock:
            self._summaries[region] = summaries

    def lookup(self, arn: str, lb_region: str) -> Outcome:
        """What `arn` is for a load balancer in `lb_region`."""
        key = (arn, "IAM" if is_iam(arn) else lb_region)
        with self._lock:
            if key in self._outcomes:
                return self._outcomes[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one lookup per ARN even when two regions meet it at once
            with self._lock:
                if key in self._outcomes:
                    return self._outcomes[key]
            try:
                outcome = self._iam(arn, lb_region) if is_iam(arn) else self._acm(arn, lb_region)
            except AwsFailure as failure:
                outcome = failure
            with self._lock:
                self._outcomes[key] = outcome
            return outcome

    def _acm(self, arn: str, lb_region: str) -> Outcome:
        own_region = acm_region(arn) or lb_region
        if own_region != lb_region:
            # A Classic LB only uses ACM certificates of its own region, and an ACM ARN names
            # its region: look where it lives only to say whether it exists at all.
            found = self._clients.call("acm", own_region, "describe_certificate", absent=ACM_ABSENT,
                                       CertificateArn=arn)
            return Missing(arn, lb_region, own_region if found else None)
        with self._lock:
            summary = self._summaries.get(lb_region, {}).get(arn)
        if summary is None:
            described = self._clients.call("acm", lb_region, "describe_certificate", absent=ACM_ABSENT,
                                           CertificateArn=arn)
            if described is None:
                return Missing(arn, lb_region)
            summary = described["Certificate"]
        status = summary.get("Status", "UNKNOWN")
        body = chain = failure = None
        if status in HAS_BODY:
            try:
                got = self._clients.call("acm", lb_region, "get_certificate", absent=ACM_NO_BODY,
                                         CertificateArn=arn) or {}
                body, chain = got.get("Certificate"), got.get("CertificateChain")
            except AwsFailure as exc:
                failure = exc
        kind = _acm_kind(summary.get("Type"))
        renewable = kind == "acm-requested" and summary.get("RenewalEligibility") == "ELIGIBLE"
        return Deployed(arn, kind, status, _body_not_after(body) or summary.get("NotAfter"), renewable,
                        summary.get("KeyAlgorithm"), body, chain, failure)

    def _iam(self, arn: str, lb_region: str) -> Outcome:
        name = arn.rsplit("/", 1)[-1]
        got = self._clients.call("iam", lb_region, "get_server_certificate", absent=IAM_ABSENT,
                                 ServerCertificateName=name)
        if got is None:
            return Missing(arn, "IAM")
        cert = got["ServerCertificate"]
        meta = cert.get("ServerCertificateMetadata", {})
        if meta.get("Arn") and meta["Arn"] != arn:   # same name, another path: not this ARN
            return Missing(arn, "IAM")
        body = cert.get("CertificateBody")
        key_algorithm = None
        if body:
            try:
                key_algorithm = pki.key_type(pki.parse_pem(body).certificates[0])
            except (pki.PemError, IndexError):
                pass
        return Deployed(arn, "iam", "ISSUED", _body_not_after(body) or meta.get("Expiration"), False,
                        key_algorithm, body, cert.get("CertificateChain"))
