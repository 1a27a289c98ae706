"""What the operator's health page tells of each service: dead letters, consumer lag, outbox backlog.

Pure: the adapter (adapters/service_metrics.py) reads the numbers; this says what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A consumer a few records behind is normal between two samples; this many records is a backlog.
LAG_ATTENTION = 1000


@dataclass(frozen=True)
class ServiceHealth:
    """One service's Prometheus numbers as of the page's request; ``reachable`` False when it did not answer."""

    service: str
    reachable: bool
    dead_letters: dict[str, float] = field(default_factory=dict)  # source topic -> events parked
    consumer_lag: dict[str, float] = field(default_factory=dict)  # topic -> records not yet handled
    outbox_backlog: dict[str, float] = field(default_factory=dict)  # collection -> documents unpublished
    server_errors: float = 0.0  # 5xx answers since the process started

    @classmethod
    def unreachable(cls, service: str) -> ServiceHealth:
        return cls(service=service, reachable=False)

    @property
    def total_dead_letters(self) -> float:
        return sum(self.dead_letters.values())

    @property
    def total_lag(self) -> float:
        return sum(self.consumer_lag.values())

    @property
    def total_outbox_backlog(self) -> float:
        return sum(self.outbox_backlog.values())

    @property
    def state(self) -> str:
        """``unreachable``, ``attention`` (dead letters, a backlog) or ``ok``."""
        if not self.reachable:
            return "unreachable"
        if self.total_dead_letters > 0 or self.total_outbox_backlog > 0:
            return "attention"
        if any(lag >= LAG_ATTENTION for lag in self.consumer_lag.values()):
            return "attention"
        return "ok"


@dataclass(frozen=True)
class PlatformHealth:
    """Every service's health, and the topics as columns of one table per measure."""

    services: list[ServiceHealth]

    @property
    def lag_topics(self) -> list[str]:
        return sorted({topic for s in self.services for topic in s.consumer_lag})

    @property
    def dead_letter_topics(self) -> list[str]:
        return sorted({topic for s in self.services for topic in s.dead_letters})

    @property
    def outbox_backlogs(self) -> list[tuple[str, str, float]]:
        """(service, collection, documents) of every outbox with documents waiting."""
        return [(s.service, collection, documents) for s in self.services
                for collection, documents in sorted(s.outbox_backlog.items()) if documents > 0]

    @property
    def unreachable(self) -> list[str]:
        return [s.service for s in self.services if not s.reachable]

    @property
    def attention(self) -> list[str]:
        return [s.service for s in self.services if s.state == "attention"]

    @property
    def total_dead_letters(self) -> float:
        return sum(s.total_dead_letters for s in self.services)
