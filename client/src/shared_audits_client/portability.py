"""A member's export archive: everything it may see, as one zip written as a stream.

Shared by the CLI (``shared-audits export``), the portal (``/member/export`` and
``GET /api/export.zip``) and members' own systems. Everything is read through the
gateway with the member's own token, so the archive holds exactly what the platform
lets that member see (the services' confidentiality checks apply).

The archive (docs/member-export.md):

- ``records/<cap_id>.json``: each CAP's tamper-evident record, as ``GET /caps/caps/{id}/record``
  gives it (``shared-audits verify`` checks it offline);
- ``evidence/<evidence_id>/<filename>``: the evidence files' bytes, when the member may download them;
- ``<table>.csv``: one CSV per table (nested values as JSON text);
- ``export.json``, last: every table, the format and its version, and a manifest (counts, and the
  size and SHA-256 of every other file of the archive).

Nothing is held in memory but the tables' metadata: the records and files pass through as they
are read, so the first bytes leave before the last CAP has been read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from stream_zip import ZIP_64, stream_zip

from shared_audits_client.api import ApiError, PlatformClient

EXPORT_FORMAT = "shared-audits-member-export"
FORMAT_VERSION = 2
LEGACY_FORMAT = "shared-audits-member-export/1"  # a directory of export.json and CSVs, read for import
MEDIA_TYPE = "application/zip"
TABLES = ("links", "link_history", "factories", "profiles", "supply_chain", "audits", "caps", "cap_items",
          "evidence", "inbox")
INBOX_LIMIT = 500  # the notifier's largest page: the latest entries
Progress = Callable[[str], None]
_FILE_MODE = stat.S_IFREG | 0o600


@dataclass
class MemberExport:
    """The tables of an export: metadata only (records and file bytes pass through the archive)."""

    organisation: dict
    links: list[dict]
    link_history: list[dict] = field(default_factory=list)
    factories: list[dict] = field(default_factory=list)
    profiles: list[dict] = field(default_factory=list)
    supply_chain: list[dict] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)
    caps: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    inbox: list[dict] = field(default_factory=list)

    @property
    def cap_items(self) -> list[dict]:
        return [{"cap_id": cap["cap_id"], "factory_id": cap.get("factory_id"), **item}
                for cap in self.caps for item in cap.get("items", [])]

    def tables(self) -> dict[str, list[dict]]:
        caps = [{key: value for key, value in cap.items() if key != "items"} for cap in self.caps]
        return {"links": self.links, "link_history": self.link_history, "factories": self.factories,
                "profiles": self.profiles, "supply_chain": self.supply_chain, "audits": self.audits,
                "caps": caps, "cap_items": self.cap_items, "evidence": self.evidence, "inbox": self.inbox}

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables().items()}

    @property
    def evidence_bytes(self) -> int:
        return sum(int(row.get("size_bytes") or 0) for row in self.evidence)

    def to_json(self, manifest: dict | None = None) -> dict:
        return {
            "format": EXPORT_FORMAT,
            "version": FORMAT_VERSION,
            "exported_at": datetime.now(UTC).isoformat(),
            "organisation": self.organisation,
            **{name: getattr(self, name) for name in
               ("links", "link_history", "factories", "profiles", "supply_chain", "audits", "caps", "evidence",
                "inbox")},
            "manifest": manifest or {"counts": self.counts(), "files": {}},
        }


def _optional(call: Callable[[], Any]) -> Any:
    """None when the service answers 404 (no profile yet, a history the member cannot read)."""
    try:
        return call()
    except ApiError as error:
        if error.status == 404:
            return None
        raise


def _factory_tables(client: PlatformClient, export: MemberExport, factory: dict) -> list[dict]:
    """Fill in one factory's profile, supply chain, audits, CAPs and evidence; its CAPs."""
    factory_id = factory["factory_id"]
    profile = _optional(lambda: client.profile(factory_id))
    if profile:
        export.profiles.append(profile)
    for direction in ("upstream", "downstream"):
        chain = _optional(lambda direction=direction: client.supply_chain(factory_id, direction)) or {}
        export.supply_chain += [{"factory_id": factory_id, "direction": direction, **entry.get("site", {}),
                                 "processes": entry.get("processes")} for entry in chain.get("sites", [])]
    export.audits += client.audits_of_factory(factory_id)
    caps = client.caps_of_factory(factory_id)
    export.caps += caps
    for cap in caps:
        for item in cap.get("items", []):
            export.evidence += client.evidence_files(cap["cap_id"], item["item_id"])
    return caps


def _link_history(client: PlatformClient, export: MemberExport) -> None:
    """The steps of the member's own links: to its sites, its pending requests, and ended or declined ones
    that the inbox names (the platform lists no ended link by itself)."""
    known = [link["factory_id"] for link in export.links]
    known += [f["factory_id"] for f in export.factories]
    known += [entry["factory_id"] for entry in export.inbox if entry.get("factory_id")]
    for factory_id in dict.fromkeys(known):
        link = _optional(lambda factory_id=factory_id: client.link_history(factory_id))
        for change in (link or {}).get("history", []):
            export.link_history.append({"factory_id": factory_id, **change})


def collect(client: PlatformClient, progress: Progress = lambda _: None) -> MemberExport:
    """Every table of an export, without the records and the files' bytes (for counts, or a directory)."""
    export = _begin(client)
    for factory in export.factories:
        _factory_tables(client, export, factory)
        progress(factory["factory_id"])
    export.inbox = client.inbox(INBOX_LIMIT)
    _link_history(client, export)
    return export


def _begin(client: PlatformClient) -> MemberExport:
    export = MemberExport(organisation=client.my_organisation(), links=client.links())
    export.factories = client.factories()
    return export


def safe_filename(name: str | None) -> str:
    """A file's name as one harmless path part (no folders, no leading dot, bounded)."""
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Letters, marks and digits of any script stay (zip names are UTF-8: সুরমা, 检验报告); the rest is "_".
    kept = "".join(c if c in ".-" or unicodedata.category(c)[0] in "LMN" else "_" for c in last)
    base = re.sub(r"_+", "_", kept).lstrip("._")
    return base[:120] or "file"


def _evidence_bytes(client: PlatformClient, evidence_id: str) -> Iterator[bytes] | None:
    """The file's bytes from the presigned address the evidence store hands out; None when refused."""
    try:
        url = client.evidence_download(evidence_id)["url"]
    except ApiError as error:
        if error.status in (403, 404):
            return None
        raise

    return client.stream_presigned(url)


class _Manifest:
    """The size and SHA-256 of every member of the archive, measured as its bytes pass."""

    def __init__(self) -> None:
        self.files: dict[str, dict] = {}

    def measured(self, path: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield chunk
        self.files[path] = {"bytes": size, "sha256": digest.hexdigest()}


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _flat(value: Any) -> Any:
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def csv_bytes(rows: Iterable[dict]) -> bytes:
    """One table as CSV: a column per key of any row, nested values as JSON text."""
    rows = list(rows)
    columns = sorted({key for row in rows for key in row})
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _flat(row.get(key)) for key in columns})
    return text.getvalue().encode()


def archive_members(client: PlatformClient, progress: Progress = lambda _: None, files: bool = True
                    ) -> Iterator[tuple[str, Iterable[bytes]]]:
    """The archive's members in order, each (path, chunks), read lazily: records and files first, as each
    factory is read, then the CSVs, then ``export.json`` with the manifest of all the others."""
    manifest = _Manifest()
    export = _begin(client)
    for factory in export.factories:
        evidence_before = len(export.evidence)
        for cap in _factory_tables(client, export, factory):
            record = _optional(lambda cap=cap: client.cap_record(cap["cap_id"]))
            if record is not None:
                path = f"records/{cap['cap_id']}.json"
                yield path, manifest.measured(path, [_json_bytes(record)])
        for evidence in export.evidence[evidence_before:]:
            chunks = _evidence_bytes(client, evidence["evidence_id"]) if files else None
            if chunks is not None:
                path = f"evidence/{evidence['evidence_id']}/{safe_filename(evidence.get('filename'))}"
                evidence["archive_path"] = path
                yield path, manifest.measured(path, chunks)
        progress(factory["factory_id"])
    export.inbox = client.inbox(INBOX_LIMIT)
    _link_history(client, export)
    for name, rows in export.tables().items():
        path = f"{name}.csv"
        yield path, manifest.measured(path, [csv_bytes(rows)])
    yield "export.json", [_json_bytes(export.to_json({"counts": export.counts(), "files": manifest.files}))]


def stream_archive(client: PlatformClient, progress: Progress = lambda _: None, files: bool = True
                   ) -> Iterator[bytes]:
    """The archive as a stream of bytes (zip64, deflated), for a response body or a file."""
    now = datetime.now(UTC)
    members = ((path, now, _FILE_MODE, ZIP_64, chunks) for path, chunks in archive_members(client, progress, files))
    # zlib's default level: stream-zip's 9 costs time on the tables for a few bytes
    return stream_zip(members, get_compressobj=lambda: zlib.compressobj(wbits=-zlib.MAX_WBITS, level=6))


def write_archive(client: PlatformClient, path: Path, progress: Progress = lambda _: None) -> int:
    """Write the archive to ``path``; its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with path.open("wb") as out:
        for chunk in stream_archive(client, progress):
            out.write(chunk)
            size += len(chunk)
    return size


@dataclass
class ExportArchive:
    """An export read back: ``document`` is export.json; ``read`` gives a member's bytes."""

    document: dict
    read: Callable[[str], bytes]
    names: list[str]

    @property
    def records(self) -> dict[str, dict]:
        """Each CAP's record, by its path in the archive."""
        return {name: json.loads(self.read(name)) for name in self.names
                if name.startswith("records/") and name.endswith(".json")}


def _digest(chunks: Iterable[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _chunks_of(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(65536):
        yield chunk


def read_archive(path: Path) -> ExportArchive:
    """An export archive (or an unpacked directory, or its export.json), checked to be one of ours and
    intact: every file the manifest lists has its size and SHA-256. ValueError otherwise.

    Files are read when asked for, one at a time: a large archive is never held in memory whole."""
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(name for name in archive.namelist() if not name.endswith("/"))

        def read(name: str) -> bytes:
            with zipfile.ZipFile(path) as archive:
                return archive.read(name)

        def measure(name: str) -> tuple[int, str]:
            with zipfile.ZipFile(path) as archive, archive.open(name) as file:
                return _digest(_chunks_of(file))
    else:
        root = path if path.is_dir() else path.parent
        names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

        def read(name: str) -> bytes:
            return (root / name).read_bytes()

        def measure(name: str) -> tuple[int, str]:
            with (root / name).open("rb") as file:
                return _digest(_chunks_of(file))
    if "export.json" not in names:
        raise ValueError(f"{path} holds no export.json")
    document = json.loads(read("export.json"))
    if document.get("format") == LEGACY_FORMAT:
        return ExportArchive(document, read, names)
    if document.get("format") != EXPORT_FORMAT or document.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path} is not a {EXPORT_FORMAT} file (version {FORMAT_VERSION})")
    for name, expected in document.get("manifest", {}).get("files", {}).items():
        if name not in names:
            raise ValueError(f"{path}: {name} is missing")
        if measure(name) != (expected["bytes"], expected["sha256"]):
            raise ValueError(f"{path}: {name} does not match its size and SHA-256 in the manifest")
    return ExportArchive(document, read, names)
