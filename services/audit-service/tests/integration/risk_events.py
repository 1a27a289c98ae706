"""Events that feed audit-service's projections, for the integration tests."""

from datetime import UTC, datetime

from shared_audits.contracts.envelope import wrap
from shared_audits.contracts.events import AuditReportPublished, ChapterScore


def report(factory_id: str, day: int, nonconforming: set[str], audit_type: str = "initial") -> AuditReportPublished:
    return AuditReportPublished(
        audit_id=f"a-{factory_id}-{day}", factory_id=factory_id, audit_type=audit_type, compliance_percentage=80,
        letter="B", rule_set_version="2026.1", findings=[], published_at=datetime(2026, 5, day, tzinfo=UTC),
        chapter_scores=[ChapterScore(chapter=c, percentage=80, nonconformities=1 if c in nonconforming else 0)
                        for c in ("S7", "S9")],
    )


async def apply(handler, event) -> None:
    await handler(event, wrap(event, producer="test"))
