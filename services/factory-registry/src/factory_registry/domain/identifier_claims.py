"""An identifier belongs to one site: claimed before the site is written, under a unique key.

A claim whose site never got written (a crash in between) is abandoned after a grace period and may
be taken over; a claim by a written site, or a fresh one, keeps the identifier taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta

STALE_AFTER = timedelta(minutes=2)


def claim_abandoned(claimed_at: datetime, site_written: bool, now: datetime) -> bool:
    """Whether a claim may be taken over: its site was never written and the grace period is over."""
    return not site_written and now - claimed_at > STALE_AFTER
