"""Enumerations that appear in event payloads; the one place they are defined."""

from enum import StrEnum


class OrganisationKind(StrEnum):
    OPERATOR = "operator"
    MEMBER = "member"
    FACTORY = "factory"
    AUDIT_COMPANY = "audit_company"


class LinkRelationship(StrEnum):
    SUPPLIER = "supplier"
    IN_REFERENCING = "in_referencing"


class AuditType(StrEnum):
    INITIAL = "initial"
    FOLLOW_UP = "follow_up"
    RE_AUDIT = "re_audit"


class AuditScope(StrEnum):
    SOCIAL = "social"
    ENVIRONMENTAL = "environmental"
    BOTH = "both"


class Announcement(StrEnum):
    SEMI_ANNOUNCED = "semi_announced"
    UNANNOUNCED = "unannounced"


class FindingSeverity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class RatingLetter(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class CapItemStatus(StrEnum):
    OPEN = "open"
    EVIDENCE_SUBMITTED = "evidence_submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLOSED = "closed"


class CapDecision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
