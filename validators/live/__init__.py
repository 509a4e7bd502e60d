"""Live checks: what is deployed in AWS, through boto3.

- `check(project, ctx)` (`elbtls validate --live`): the certificates a configuration
  references, looked up in each load balancer's region, and the deployed listeners compared
  with the configuration.
- `audit(regions, all_regions, profile, ctx)` (`elbtls audit`): every Classic Load Balancer
  in the given regions, with its listeners, policies and certificates, checked by the same
  rules as a configuration.

This module imports nothing heavy: boto3 loads only when one of the two functions runs, so
a plain `elbtls validate` never pays for it. A problem that stops the live checks before
any AWS call (no boto3, no credentials, no region, unknown profile) raises
`engine.LiveUnavailable` (the CLI exits 2 with its message); a failing AWS call never
raises, it becomes a `live-check-incomplete` finding naming what was not checked.
"""

from __future__ import annotations

from ..engine import LiveUnavailable
from ..findings import Finding
from ..model import Context, Project

__all__ = ["check", "audit", "LiveUnavailable"]


def _require_boto3() -> None:
    try:
        import boto3  # noqa: F401
    except ImportError as e:
        raise LiveUnavailable(f"live checks need boto3: pip install 'elbtls[live]' ({e.name or e})") from None


def _clients(profile: str | None = None):
    from .clients import Clients

    clients = Clients(profile=profile)
    if not clients.has_credentials():
        raise LiveUnavailable("no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
                              "AWS_SECRET_ACCESS_KEY, or run `aws sso login`")
    return clients


def check(project: Project, ctx: Context, *, warn_days: int | None = None, clients=None) -> list[Finding]:
    """Live findings for the certificates and load balancers `project` configures.
    `warn_days` overrides `ctx.warn_days`; `clients` (a `clients.Clients`) is for tests."""
    _require_boto3()
    from .configured import check_configured

    if warn_days is not None:
        ctx = ctx.model_copy(update={"warn_days": warn_days})
    return check_configured(project, ctx, clients or _clients())


def audit(regions: list[str], all_regions: bool, profile: str | None, ctx: Context, *,
          clients=None) -> list[Finding]:
    """Findings for every Classic Load Balancer deployed in `regions` (or in every enabled
    region with `all_regions`, or in the default region when neither is given)."""
    from .account import audit_account

    return audit_account(list(regions), all_regions, ctx, clients or _clients(profile))
