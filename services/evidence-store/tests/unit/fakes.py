"""In-memory fakes of evidence-store's ports (service_layer/ports.py); the shared ones are in shared_audits.testing."""

from __future__ import annotations

import hashlib
import io
import zipfile

from shared_audits.contracts.envelope import EventEnvelope
from shared_audits.contracts.events import CapOpened

# The world of every test: CAP c-1 of factory f-1 has item i-1; member m-a is linked to f-1, m-c to nothing.
CAP_ITEM = ("c-1", "i-1")
FACTORY, LINKED_MEMBER, OTHER_MEMBER = "f-1", "m-a", "m-c"

# Sample uploads: told apart by content (magic bytes), never by name.
PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXECUTABLE = b"MZ\x90\x00" + b"\x00" * 64


def office_file(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
    return buffer.getvalue()


class FakeBucket:
    """``ObjectStore`` in memory; ``corrupt`` stores something else than what was put."""

    def __init__(self, corrupt: bool = False) -> None:
        self.objects: dict[str, bytes] = {}
        self.corrupt = corrupt

    async def put(self, key: str, content: bytes, content_type: str, sha256: str) -> None:
        self.objects[key] = content + (b"!" if self.corrupt else b"")

    async def sha256_of(self, key: str) -> str:
        return hashlib.sha256(self.objects[key]).hexdigest()

    async def remove(self, key: str) -> None:
        self.objects.pop(key, None)  # like S3: deleting an absent key succeeds

    async def download_url(self, key: str, filename: str, seconds: int) -> str:
        return f"http://127.0.0.1/{key}?expires={seconds}"

    async def upload_url(self, key: str, seconds: int) -> str:
        return f"http://127.0.0.1/{key}?put&expires={seconds}"

    async def size_of(self, key: str) -> int | None:
        return len(self.objects[key]) if key in self.objects else None

    async def read(self, key: str, limit: int) -> bytes:
        return self.objects[key][:limit]

    async def check(self) -> None:
        pass


class InMemoryCapItems:
    """``CapItems`` in memory: (cap id, item id) -> factory id."""

    def __init__(self, items: dict[tuple[str, str], str] | None = None) -> None:
        self.items = dict(items or {})

    async def factory_of(self, cap_id: str, item_id: str) -> str | None:
        return self.items.get((cap_id, item_id))

    async def apply_opened(self, event: CapOpened, envelope: EventEnvelope) -> None:
        for item in event.items:
            self.items[(event.cap_id, item.item_id)] = event.factory_id

    async def merge_sites(self, merged_id: str, surviving_id: str) -> None:
        for key, factory_id in self.items.items():
            if factory_id == merged_id:
                self.items[key] = surviving_id
