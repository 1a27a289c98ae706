"""Use cases of evidence-store: checked uploads and authorised downloads."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from evidence_store.domain.file_types import MIME_BY_TYPE, detect_type
from evidence_store.domain.model import Evidence
from shared_audits.auth import Principal
from shared_audits.errors import DomainError, InvalidRequestError, NotFoundError, PermissionDeniedError
from shared_audits.links import LinkProjection, may_see_factory
from shared_audits.store import InMemoryAggregateStore, MongoAggregateStore

EvidenceStore = MongoAggregateStore[Evidence] | InMemoryAggregateStore[Evidence]


class FileTooLargeError(DomainError):
    title = "File too large"
    status = 413


class IntegrityError(DomainError):
    title = "Stored object does not match upload"
    status = 503


class ObjectStore(Protocol):
    async def put(self, key: str, content: bytes, content_type: str, sha256: str) -> None: ...
    async def sha256_of(self, key: str) -> str: ...
    async def remove(self, key: str) -> None: ...
    async def download_url(self, key: str, filename: str, seconds: int) -> str: ...


class CapItems(Protocol):
    async def factory_of(self, cap_id: str, item_id: str) -> str | None: ...


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_in: int


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")
# What a client sends when it does not know the type; anything else must match the content.
UNDECLARED_TYPE = "application/octet-stream"


def _names_a_path(name: str) -> bool:
    """A browser sends a bare file name; separators or parent references are an attack."""
    return "/" in name or "\\" in name or ".." in name or "\x00" in name


def safe_filename(name: str) -> str:
    """Only the last path segment, in a plain alphabet: a name is never a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return _UNSAFE_NAME.sub("_", base)[:200] or "evidence"


@dataclass
class EvidenceHandlers:
    evidence: EvidenceStore
    objects: ObjectStore
    cap_items: CapItems
    links: LinkProjection
    max_upload_bytes: int
    allowed_types: list[str]
    download_url_seconds: int
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def upload(
        self, caller: Principal, cap_id: str, item_id: str, filename: str, content: bytes,
        declared_type: str | None = None,
    ) -> Evidence:
        factory_id = await self.cap_items.factory_of(cap_id, item_id)
        if factory_id is None or not (caller.is_factory and caller.factory_id == factory_id):
            if factory_id is not None and await may_see_factory(caller, factory_id, self.links):
                raise PermissionDeniedError("only the factory uploads evidence for its CAP")
            raise NotFoundError(f"CAP item {cap_id}/{item_id} not found")
        if len(content) > self.max_upload_bytes:
            raise FileTooLargeError(f"the limit is {self.max_upload_bytes} bytes")
        if not content:
            raise InvalidRequestError("the file is empty")
        if _names_a_path(filename):
            raise InvalidRequestError("the file name must be a plain name, not a path")
        file_type = detect_type(content[:4096], content)
        if file_type not in self.allowed_types:
            raise InvalidRequestError(f"file content is not one of: {', '.join(self.allowed_types)}")
        if declared_type and declared_type not in (UNDECLARED_TYPE, MIME_BY_TYPE[file_type]):
            raise InvalidRequestError(f"declared type {declared_type} does not match the content ({file_type})")
        sha256 = hashlib.sha256(content).hexdigest()
        evidence_id = str(uuid.uuid4())
        # Random, unguessable key; the factory id groups objects for operators.
        object_key = f"{factory_id}/{uuid.uuid4().hex}"
        await self.objects.put(object_key, content, MIME_BY_TYPE[file_type], sha256)
        if await self.objects.sha256_of(object_key) != sha256:
            await self.objects.remove(object_key)
            raise IntegrityError("the stored object differs from the upload; nothing was kept")
        evidence = Evidence.store(
            evidence_id=evidence_id,
            factory_id=factory_id,
            cap_id=cap_id,
            item_id=item_id,
            filename=safe_filename(filename),
            content_type=MIME_BY_TYPE[file_type],
            size_bytes=len(content),
            sha256=sha256,
            object_key=object_key,
            uploaded_by=caller.subject,
            now=self.clock(),
        )
        await self.evidence.add(evidence)
        return evidence

    async def evidence_for(self, caller: Principal, evidence_id: str) -> Evidence:
        evidence = await self.evidence.get(evidence_id)
        if evidence is None or not await may_see_factory(caller, evidence.factory_id, self.links):
            raise NotFoundError(f"evidence {evidence_id} not found")
        return evidence

    async def evidence_of_item(self, caller: Principal, cap_id: str, item_id: str) -> list[Evidence]:
        factory_id = await self.cap_items.factory_of(cap_id, item_id)
        if factory_id is None or not await may_see_factory(caller, factory_id, self.links):
            raise NotFoundError(f"CAP item {cap_id}/{item_id} not found")
        return await self.evidence.find(cap_id=cap_id, item_id=item_id)

    async def download_link(self, caller: Principal, evidence_id: str) -> DownloadLink:
        evidence = await self.evidence_for(caller, evidence_id)
        url = await self.objects.download_url(evidence.object_key, evidence.filename, self.download_url_seconds)
        return DownloadLink(url, self.download_url_seconds)
