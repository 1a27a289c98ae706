"""Use cases of evidence-store: checked uploads (streamed or presigned), versions and authorised downloads."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from evidence_store.domain.file_types import MIME_BY_TYPE, accepted_type, checked_filename, declared_type
from evidence_store.domain.model import Evidence, ReviewStatus
from evidence_store.domain.errors import FileTooLargeError, IntegrityError, UploadRefusedError
from evidence_store.domain.upload import UploadSession, UploadStatus
from evidence_store.service_layer.ports import CapItems, EvidenceStore, ObjectStore, UploadStore
from shared_audits.auth import Principal
from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import CapItemAccepted, CapItemRejected
from shared_audits.errors import (
    ConflictError,
    DomainError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from shared_audits.links import LinkProjection, may_see_factory

# Versions of one item read at once when the next version number is worked out.
VERSIONS_PER_READ = 500
# Pending uploads the clean-up job reads at once.
UPLOADS_PER_READ = 500


@dataclass(frozen=True)
class DownloadLink:
    url: str
    expires_in: int


@dataclass(frozen=True)
class UploadTicket:
    session: UploadSession
    url: str
    expires_in: int


def new_object_key(factory_id: str) -> str:
    # Random, unguessable key; the factory id groups objects for operators.
    return f"{factory_id}/{uuid.uuid4().hex}"


@dataclass
class EvidenceHandlers:
    evidence: EvidenceStore
    uploads: UploadStore
    objects: ObjectStore
    cap_items: CapItems
    links: LinkProjection
    max_upload_bytes: int
    allowed_types: list[str]
    download_url_seconds: int
    upload_url_seconds: int = 300
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def _factory_uploading(self, caller: Principal, cap_id: str, item_id: str) -> str:
        factory_id = await self.cap_items.factory_of(cap_id, item_id)
        if factory_id is None or not (caller.is_factory and caller.factory_id == factory_id):
            if factory_id is not None and await may_see_factory(caller, factory_id, self.links):
                raise PermissionDeniedError("only the factory uploads evidence for its CAP")
            raise NotFoundError(f"CAP item {cap_id}/{item_id} not found")
        return factory_id

    async def _next_version(self, cap_id: str, item_id: str) -> int:
        """One more than the item's last version, read a page at a time in version order."""
        last = 0
        while page := await self.evidence.find(limit=VERSIONS_PER_READ, after=last, order_by="version_number",
                                               cap_id=cap_id, item_id=item_id):
            last = page[-1].version_number
        return last + 1

    async def _record(
        self, evidence_id: str, factory_id: str, cap_id: str, item_id: str, filename: str, file_type: str,
        size: int, sha256: str, object_key: str, caller: Principal, remove_on_conflict: bool = True,
    ) -> Evidence:
        evidence = Evidence.store(
            evidence_id=evidence_id, factory_id=factory_id, cap_id=cap_id, item_id=item_id, filename=filename,
            content_type=MIME_BY_TYPE[file_type], size_bytes=size, sha256=sha256, object_key=object_key,
            uploaded_by=caller.subject, now=self.clock(), version_number=await self._next_version(cap_id, item_id),
        )
        try:
            await self.evidence.add(evidence)  # (cap, item, version) is unique: a racing upload conflicts
        except ConflictError:
            if remove_on_conflict:
                await self.objects.remove(object_key)
            raise
        return evidence

    async def upload(
        self, caller: Principal, cap_id: str, item_id: str, filename: str, content: bytes, content_type: str | None = None
    ) -> Evidence:
        """A streamed upload: every check runs before anything is stored."""
        factory_id = await self._factory_uploading(caller, cap_id, item_id)
        name = checked_filename(filename)
        file_type = accepted_type(content, declared_type(content_type), self.allowed_types, self.max_upload_bytes)
        sha256 = hashlib.sha256(content).hexdigest()
        object_key = new_object_key(factory_id)
        await self.objects.put(object_key, content, MIME_BY_TYPE[file_type], sha256)
        if await self.objects.sha256_of(object_key) != sha256:
            await self.objects.remove(object_key)
            raise IntegrityError("the stored object differs from the upload; nothing was kept")
        return await self._record(
            str(uuid.uuid4()), factory_id, cap_id, item_id, name, file_type, len(content), sha256, object_key, caller
        )

    async def request_upload(
        self, caller: Principal, cap_id: str, item_id: str, filename: str, content_type: str, size_bytes: int,
        sha256: str,
    ) -> UploadTicket:
        """A short-lived presigned PUT for a new object key; the declaration is checked again on completion."""
        factory_id = await self._factory_uploading(caller, cap_id, item_id)
        name = checked_filename(filename)
        file_type = declared_type(content_type)
        if file_type is None or file_type not in self.allowed_types:
            raise InvalidRequestError(f"declare the content type, one of: {', '.join(self.allowed_types)}")
        if size_bytes > self.max_upload_bytes:
            raise FileTooLargeError(f"the limit is {self.max_upload_bytes} bytes")
        now = self.clock()
        session = UploadSession(
            id=str(uuid.uuid4()), factory_id=factory_id, cap_id=cap_id, item_id=item_id, filename=name,
            declared_type=file_type, declared_size=size_bytes, declared_sha256=sha256.lower(),
            object_key=new_object_key(factory_id), requested_by=caller.subject, created_at=now,
            expires_at=now + timedelta(seconds=self.upload_url_seconds),
        )
        await self.uploads.add(session)
        url = await self.objects.upload_url(session.object_key, self.upload_url_seconds)
        return UploadTicket(session, url, self.upload_url_seconds)

    async def complete_upload(self, caller: Principal, upload_id: str) -> Evidence:
        """Verify the object the factory PUT: size, type by magic bytes, SHA-256 of what is stored."""
        session = await self.uploads.get(upload_id)
        if session is None or not (caller.is_factory and caller.factory_id == session.factory_id):
            raise NotFoundError(f"upload {upload_id} not found")
        session.ensure_pending()
        size = await self.objects.size_of(session.object_key)
        if size is None:
            if self.clock() <= session.expires_at:
                raise ConflictError("nothing was uploaded yet; PUT the file to the upload URL first")
            await self._refuse(session, "the upload window expired before anything was uploaded")
        reason = await self._verify_stored(session, size or 0)
        if reason:
            await self._refuse(session, reason)
        evidence = await self._record(
            str(uuid.uuid5(uuid.NAMESPACE_URL, f"evidence-of-upload:{session.id}")), session.factory_id,
            session.cap_id, session.item_id, session.filename, session.declared_type, session.declared_size,
            session.declared_sha256, session.object_key, caller,
            remove_on_conflict=False,  # a racing completion of the same upload owns the object
        )
        session.complete(evidence.id)
        await self.uploads.save(session)
        return evidence

    async def _verify_stored(self, session: UploadSession, size: int) -> str | None:
        if size > self.max_upload_bytes:
            return f"the object is {size} bytes; the limit is {self.max_upload_bytes}"
        if size != session.declared_size:
            return f"the object is {size} bytes but {session.declared_size} were declared (truncated or altered)"
        content = await self.objects.read(session.object_key, self.max_upload_bytes)
        try:
            accepted_type(content, session.declared_type, self.allowed_types, self.max_upload_bytes)
        except DomainError as error:
            return error.detail
        if hashlib.sha256(content).hexdigest() != session.declared_sha256:
            return "the SHA-256 of the stored object differs from the declared one"
        return None

    async def _refuse(self, session: UploadSession, reason: str) -> None:
        await self.objects.remove(session.object_key)
        session.reject(reason)
        await self.uploads.save(session)  # EvidenceRejectedOnUpload leaves with this write
        raise UploadRefusedError(f"{reason}; the object was deleted")

    async def expire_abandoned_uploads(self) -> int:
        """The scheduled clean-up: presigned uploads never completed in time are refused and their object deleted."""
        now = self.clock()
        expired = 0
        after: str | None = None
        # Every pending upload, a page at a time in id order (a run read only the first 1,000 before).
        while page := await self.uploads.find(limit=UPLOADS_PER_READ, after=after, status=UploadStatus.PENDING.value):
            after = page[-1].id
            for session in page:
                if session.expires_at >= now:
                    continue
                await self.objects.remove(session.object_key)  # removing an absent key is not an error
                session.reject("the upload was not completed before its URL expired")
                try:
                    await self.uploads.save(session)
                except ConflictError:
                    continue  # completed or expired by another request meanwhile
                expired += 1
        return expired

    async def note_decision(self, decision: CapItemAccepted | CapItemRejected, envelope: EventEnvelope) -> None:
        """cap-service decided on an evidence version: keep the verdict on that version (never delete it)."""
        if decision.evidence_id is None:
            return
        evidence = await self.evidence.get(decision.evidence_id)
        if evidence is None:
            return
        status = ReviewStatus.ACCEPTED if isinstance(decision, CapItemAccepted) else ReviewStatus.REJECTED
        if evidence.reviewed(status, decision.comment):
            await self.evidence.save(evidence)

    async def evidence_for(self, caller: Principal, evidence_id: str) -> Evidence:
        evidence = await self.evidence.get(evidence_id)
        if evidence is None or not await may_see_factory(caller, evidence.factory_id, self.links):
            raise NotFoundError(f"evidence {evidence_id} not found")
        return evidence

    async def evidence_of_item(
        self, caller: Principal, cap_id: str, item_id: str, limit: int = 100, after_version: int | None = None
    ) -> tuple[list[Evidence], int | None]:
        """One page of an item's evidence versions, oldest first, and the version the next page follows (None: last)."""
        factory_id = await self.cap_items.factory_of(cap_id, item_id)
        if factory_id is None or not await may_see_factory(caller, factory_id, self.links):
            raise NotFoundError(f"CAP item {cap_id}/{item_id} not found")
        found = await self.evidence.find(limit=limit + 1, after=after_version, order_by="version_number",
                                         cap_id=cap_id, item_id=item_id)
        page = found[:limit]
        return page, (page[-1].version_number if len(found) > limit else None)

    async def download_link(self, caller: Principal, evidence_id: str) -> DownloadLink:
        evidence = await self.evidence_for(caller, evidence_id)
        url = await self.objects.download_url(evidence.object_key, evidence.filename, self.download_url_seconds)
        return DownloadLink(url, self.download_url_seconds)
