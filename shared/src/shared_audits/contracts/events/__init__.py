"""Versioned payloads of every integration event, one module per producing service.

Each class names its type, version and topic. ``EVENT_TYPES`` maps
``(type, version)`` to its class, collected from every payload defined here, so
a new event needs no registration beyond its class.
"""

from shared_audits.contracts.envelope import EventPayload
from shared_audits.contracts.events.access import *  # noqa: F403
from shared_audits.contracts.events.audit import *  # noqa: F403
from shared_audits.contracts.events.cap import *  # noqa: F403
from shared_audits.contracts.events.evidence import *  # noqa: F403
from shared_audits.contracts.events.notifier import *  # noqa: F403
from shared_audits.contracts.events.registry import *  # noqa: F403


def _all_payload_types(base: type[EventPayload]) -> list[type[EventPayload]]:
    found = []
    for subclass in base.__subclasses__():
        found += [subclass, *_all_payload_types(subclass)]
    return found


EVENT_TYPES: dict[tuple[str, int], type[EventPayload]] = {
    (cls.TYPE, cls.VERSION): cls for cls in _all_payload_types(EventPayload) if "TYPE" in cls.__dict__
}
