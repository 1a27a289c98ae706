"""Enumerations that appear in event payloads; the one place they are defined."""

from enum import StrEnum


class OrganisationKind(StrEnum):
    OPERATOR = "operator"
    MEMBER = "member"
    FACTORY = "factory"
    AUDIT_COMPANY = "audit_company"


class UserRole(StrEnum):
    """Roles of a user within its organisation (which roles a kind allows is access-control's rule)."""

    OPERATOR = "operator"
    ADMIN = "admin"
    USER = "user"
    AUDITOR = "auditor"


class AccreditationStatus(StrEnum):
    TRIAL = "trial"
    ACCREDITED = "accredited"
    SUSPENDED = "suspended"


class ClientScope(StrEnum):
    """What a machine client of a member may do; carried in the token's ``scope`` claim."""

    LINKS_READ = "links:read"
    LINKS_WRITE = "links:write"
    FACTORIES_READ = "factories:read"
    AUDITS_READ = "audits:read"
    AUDITS_WRITE = "audits:write"
    CAPS_READ = "caps:read"
    CAPS_WRITE = "caps:write"
    EVIDENCE_READ = "evidence:read"
    FEED_READ = "feed:read"


class LinkRelationship(StrEnum):
    SUPPLIER = "supplier"
    IN_REFERENCING = "in_referencing"


class LinkParty(StrEnum):
    """Who took a step of a member-factory link: the member asks, the factory (or the operator for it) answers."""

    MEMBER = "member"
    FACTORY = "factory"
    OPERATOR = "operator"


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


class ExtensionDecision(StrEnum):
    """A linked member's answer to a factory's request for a later CAP item deadline."""

    GRANT = "grant"
    REFUSE = "refuse"
