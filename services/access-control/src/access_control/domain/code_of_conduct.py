"""The shared Code of Conduct: versions published by the operator, signed by organisations."""

from __future__ import annotations

import hashlib
from datetime import datetime

from shared_audits.aggregate import Aggregate
from shared_audits.contracts.events import CodeOfConductPublished, CodeOfConductSigned


class CodeOfConduct(Aggregate):
    """One published version; ``id`` is the version label. The newest published is current."""

    title: str
    text: str
    content_sha256: str
    published_by: str
    published_at: datetime

    @classmethod
    def publish(cls, version: str, title: str, text: str, published_by: str, now: datetime) -> CodeOfConduct:
        digest = hashlib.sha256(text.encode()).hexdigest()
        code = cls(id=version, title=title, text=text, content_sha256=digest, published_by=published_by,
                   published_at=now)
        code.record(CodeOfConductPublished(code_version=version, title=title, content_sha256=digest,
                                           published_at=now))
        return code

    @staticmethod
    def current_of(codes: list[CodeOfConduct]) -> CodeOfConduct | None:
        """The newest published version is the current one (None before the first)."""
        return max(codes, key=lambda code: code.published_at, default=None)


class CodeOfConductSignature(Aggregate):
    """An organisation's signed commitment to one version: who signed, and when."""

    organisation_id: str
    code_version: str
    content_sha256: str
    signed_by: str
    signed_at: datetime
    factory_id: str | None = None

    @staticmethod
    def id_for(organisation_id: str, code_version: str) -> str:
        return f"{organisation_id}:{code_version}"

    @classmethod
    def sign(
        cls, organisation_id: str, factory_id: str | None, code: CodeOfConduct, signed_by: str, now: datetime
    ) -> CodeOfConductSignature:
        signature = cls(
            id=cls.id_for(organisation_id, code.id), organisation_id=organisation_id, code_version=code.id,
            content_sha256=code.content_sha256, signed_by=signed_by, signed_at=now, factory_id=factory_id,
        )
        signature.record(
            CodeOfConductSigned(organisation_id=organisation_id, code_version=code.id, signed_by=signed_by,
                                signed_at=now, factory_id=factory_id)
        )
        return signature
