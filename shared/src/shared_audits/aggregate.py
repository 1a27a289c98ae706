"""Base of every aggregate: identity, optimistic version and the events it records.

Pure: no I/O. The store writes the state and the recorded events together.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, PrivateAttr

from shared_audits.contracts.envelope import EventPayload


class Aggregate(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    id: str
    version: int = 0
    _recorded: list[EventPayload] = PrivateAttr(default_factory=list)

    def record(self, event: EventPayload) -> None:
        self._recorded.append(event)

    def take_recorded(self) -> list[EventPayload]:
        events, self._recorded = self._recorded, []
        return events

    def state(self) -> dict:
        """The persistent fields, JSON-shaped (dates as ISO text) for any MongoDB-compatible store."""
        return self.model_dump(mode="json", exclude={"id", "version"})
