"""The live certificate rules, applied to a lookup outcome (no AWS calls here):
live-certificate-not-found, live-certificate-not-issued, live-certificate-expiring,
live-renewal-ineligible and live-check-incomplete.

Both `validate --live` and `audit` call `certificate_findings` once per certificate, with
`where` pointing at the first listener that uses it and `users` naming every user.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ..catalog import finding
from ..findings import Finding, Severity, Where
from ..model import Context
from ..pki import iso
from .certificates import Deployed, Missing, Outcome
from .clients import AwsFailure


def not_checked(what: str, failure: AwsFailure, where: Where) -> Finding:
    """The one `live-check-incomplete` finding for `what`, which was not checked."""
    return finding("live-check-incomplete", f"{what} was not checked: {failure.describe()}.", where)


def certificate_findings(arn: str, outcome: Outcome, ctx: Context, where: Where, users: str) -> list[Finding]:
    """Live findings for one certificate; `users` reads like "used by aws_elb.web port 443"."""
    if isinstance(outcome, AwsFailure):
        return [not_checked(f"Certificate {arn} ({users})", outcome, where)]
    if isinstance(outcome, Missing):
        return [_missing(outcome, where, users)]
    return _deployed(outcome, ctx, where, users)


def _missing(m: Missing, where: Where, users: str) -> Finding:
    if m.looked_in == "IAM":
        text = f"IAM server certificate {m.arn} ({users}) does not exist."
    elif m.found_in:
        text = (f"Certificate {m.arn} ({users}) does not exist in {m.looked_in}: it is in {m.found_in}, and a "
                f"Classic Load Balancer can only use an ACM certificate from its own region.")
    else:
        text = f"Certificate {m.arn} ({users}) does not exist in {m.looked_in}."
    return finding("live-certificate-not-found", text, where)


def _deployed(d: Deployed, ctx: Context, where: Where, users: str) -> list[Finding]:
    out: list[Finding] = []
    if d.status != "ISSUED":
        fix = ("complete its validation (the DNS records ACM asks for) or replace it"
               if d.status == "PENDING_VALIDATION" else "replace it with an issued certificate")
        out.append(finding("live-certificate-not-issued",
                           f"ACM certificate {d.arn} ({users}) is {d.status}, not ISSUED: {fix}.", where))
    if d.status not in ("ISSUED", "EXPIRED") or d.not_after is None:
        return out
    at, not_after = _utc(ctx.at), _utc(d.not_after)
    left = not_after - at
    if left.total_seconds() <= 0:
        out.append(finding("live-certificate-expiring",
                           f"Certificate {d.arn} ({users}) expired on {iso(not_after)}, "
                           f"{(at - not_after).days} days before {iso(at)}.", where, severity=Severity.ERROR))
    elif left <= timedelta(days=ctx.warn_days):   # the window of cert-expiring-soon
        out.append(finding("live-certificate-expiring",
                           f"Certificate {d.arn} ({users}) expires on {iso(not_after)}, in {left.days} days "
                           f"(warning window {ctx.warn_days} days).", where))
    else:
        return out
    if not d.renewable:
        why = {"acm-imported": "it is an imported ACM certificate", "iam": "it is an IAM server certificate"}
        out.append(finding("live-renewal-ineligible",
                           f"AWS will not renew certificate {d.arn} ({why.get(d.kind, 'ACM reports it INELIGIBLE')}): "
                           f"replace it before {iso(not_after)}.", where))
    return out


def _utc(moment: datetime) -> datetime:
    """Naive datetimes (a bare `--at`) are UTC, as the CLI contract says."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
