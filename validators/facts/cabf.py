"""CA/Browser Forum TLS Baseline Requirements facts the certificate rules apply.

Maximum validity of a subscriber (leaf) certificate, BR section 6.3.2 as amended by
ballot SC-081v3 ("Introduce Schedule of Reducing Validity and Data Reuse Periods",
passed 2025-04-11):
  https://cabforum.org/2025/04/11/ballot-sc081v3-introduce-schedule-of-reducing-validity-and-data-reuse-periods/
  https://cabforum.org/working-groups/server/baseline-requirements/requirements/#632-certificate-operational-periods-and-key-pair-usage-periods

How a lifetime is counted (BR 6.3.2 and the "Validity Period" definition in BR 1.6.1,
after RFC 5280 section 4.1.2.5): the Validity Period runs from notBefore *through*
notAfter inclusive, so it is notAfter - notBefore + 1 second; "a day is measured as
86,400 seconds" and any time beyond that, even a fraction of a second, counts as an
extra day. A certificate exceeds an N-day limit when its Validity Period is longer than
N * 86,400 seconds: a notAfter exactly N days after notBefore is one second too long.

The ballot ties each limit to the issuance date; a certificate does not record that, so
notBefore (which CAs set at issuance) stands in for it.

Key sizes, BR section 6.1.5: RSA moduli of at least 2048 bits; EC keys on NIST P-256,
P-384 or P-521 only.
"""

from __future__ import annotations

from datetime import datetime, timezone

SOURCE = "https://cabforum.org/2025/04/11/ballot-sc081v3-introduce-schedule-of-reducing-validity-and-data-reuse-periods/"

SECONDS_PER_DAY = 86_400

# (issued on or after, maximum validity in days), newest first. The last row is the
# limit in force before the ballot's first step (398 days, ballot SC-31, since 2020-09-01).
MAX_VALIDITY_SCHEDULE: tuple[tuple[datetime, int], ...] = (
    (datetime(2029, 3, 15, tzinfo=timezone.utc), 47),
    (datetime(2027, 3, 15, tzinfo=timezone.utc), 100),
    (datetime(2026, 3, 15, tzinfo=timezone.utc), 200),
    (datetime.min.replace(tzinfo=timezone.utc), 398),
)

# BR 6.1.5
MIN_RSA_BITS = 2048
ALLOWED_CURVES = ("secp256r1", "secp384r1", "secp521r1")   # P-256, P-384, P-521


def max_validity_days(not_before: datetime) -> int:
    """The maximum Validity Period in days for a leaf whose notBefore is `not_before`."""
    for since, days in MAX_VALIDITY_SCHEDULE:
        if not_before >= since:
            return days
    raise AssertionError("unreachable: the schedule ends at datetime.min")


def validity_seconds(not_before: datetime, not_after: datetime) -> float:
    """The Validity Period in seconds, notBefore through notAfter inclusive."""
    return (not_after - not_before).total_seconds() + 1


def validity_days(not_before: datetime, not_after: datetime) -> int:
    """The Validity Period in BR days: every started 86,400 seconds counts as a day."""
    seconds = validity_seconds(not_before, not_after)
    return int(-(-seconds // SECONDS_PER_DAY))


def exceeds_max_validity(not_before: datetime, not_after: datetime) -> bool:
    return validity_seconds(not_before, not_after) > max_validity_days(not_before) * SECONDS_PER_DAY
