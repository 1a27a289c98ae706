"""Who decided, as a reader may see it: another member's decision is "a linked member"'s.

Who may see whom is shared_audits.member_groups' rule; the record's export discloses by the same rule.
"""

from __future__ import annotations

from cap_service.domain.model import Decision
from cap_service.domain.plans import Extension
from shared_audits.member_groups import LINKED_MEMBER, MemberViewer


def decisions_seen_by(viewer: MemberViewer, decisions: list[Decision]) -> list[Decision]:
    """The decisions with another member's id, and its user's, as ``LINKED_MEMBER`` unless ``viewer`` sees it."""
    return [
        decision if viewer.sees(decision.member_id)
        else decision.model_copy(update={"member_id": LINKED_MEMBER, "decided_by": LINKED_MEMBER})
        for decision in decisions
    ]


def extensions_seen_by(viewer: MemberViewer, extensions: list[Extension]) -> list[Extension]:
    """The extension requests with the deciding member, and its user, as ``LINKED_MEMBER`` unless ``viewer`` sees it."""
    return [
        extension if extension.member_id is None or viewer.sees(extension.member_id)
        else extension.model_copy(update={"member_id": LINKED_MEMBER, "decided_by": LINKED_MEMBER})
        for extension in extensions
    ]
