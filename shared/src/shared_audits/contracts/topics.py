"""Topic names and partition counts: one topic per producing service and aggregate."""

from dataclasses import dataclass

DOMAIN_PARTITIONS = 6
FEED_PARTITIONS = 3
DEAD_LETTER_PARTITIONS = 1


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int


ACCESS = TopicSpec("ics.access.v1", DOMAIN_PARTITIONS)
REGISTRY = TopicSpec("ics.registry.v1", DOMAIN_PARTITIONS)
AUDIT = TopicSpec("ics.audit.v1", DOMAIN_PARTITIONS)
CAP = TopicSpec("ics.cap.v1", DOMAIN_PARTITIONS)
EVIDENCE = TopicSpec("ics.evidence.v1", DOMAIN_PARTITIONS)
NOTIFIER = TopicSpec("ics.notifier.v1", DOMAIN_PARTITIONS)

DOMAIN_TOPICS = (ACCESS, REGISTRY, AUDIT, CAP, EVIDENCE, NOTIFIER)


def dead_letter_topic(service: str) -> TopicSpec:
    """Where a service parks the events it could not handle, with the reason."""
    return TopicSpec(f"ics.deadletter.{service}.v1", DEAD_LETTER_PARTITIONS)


def member_feed_topic(member_id: str) -> TopicSpec:
    """The topic a member's own integration consumes: only events of its factories."""
    return TopicSpec(f"ics.feed.{member_id}.v1", FEED_PARTITIONS)
