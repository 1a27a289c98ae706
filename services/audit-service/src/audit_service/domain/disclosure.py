"""Who mandated an audit, as a reader may see it: another member is "a linked member".

A member sees which audits of a site other members mandated, never who they are
(shared_audits.member_groups says who sees the real id).
"""

from __future__ import annotations

from audit_service.domain.model import Audit
from shared_audits.member_groups import MemberViewer


def mandating_member_seen_by(viewer: MemberViewer, audit: Audit) -> str:
    """The mandating member's id, or ``LINKED_MEMBER`` when ``viewer`` is another member outside its groups."""
    return viewer.shown(audit.member_id)
