"""Data portability: a member exports everything it may see, and imports its links elsewhere.

Everything goes through the gateway with the member's own credentials, so the
export holds exactly what the platform lets that member see (the services'
confidentiality checks apply), nothing read behind their back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared_audits_client.api import ApiError, PlatformClient

EXPORT_FORMAT = "shared-audits-member-export/1"
Progress = Callable[[str], None]


@dataclass
class MemberExport:
    organisation: dict
    links: list[dict]
    factories: list[dict] = field(default_factory=list)
    audits: list[dict] = field(default_factory=list)
    caps: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    inbox: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "format": EXPORT_FORMAT,
            "exported_at": datetime.now(UTC).isoformat(),
            "organisation": self.organisation,
            "links": self.links,
            "factories": self.factories,
            "audits": self.audits,
            "caps": self.caps,
            "evidence": self.evidence,
            "inbox": self.inbox,
        }


def export_member(client: PlatformClient, progress: Progress = lambda _: None) -> MemberExport:
    """Everything the caller may see, factory by factory (``progress`` is told each step)."""
    export = MemberExport(organisation=client.my_organisation(), links=client.links())
    export.factories = client.factories()
    for factory in export.factories:
        factory_id = factory["factory_id"]
        export.audits += client.audits_of_factory(factory_id)
        caps = client.caps_of_factory(factory_id)
        export.caps += caps
        for cap in caps:
            for item in cap.get("items", []):
                export.evidence += client.evidence_files(cap["cap_id"], item["item_id"])
        progress(factory_id)
    export.inbox = client.inbox()
    return export


def _flat(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def _write_csv(path: Path, rows: Iterable[dict]) -> None:
    rows = list(rows)
    columns = sorted({key for row in rows for key in row})
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _flat(row.get(key)) for key in columns})


def write_export(export: MemberExport, directory: Path) -> list[Path]:
    """``export.json`` with everything, and one CSV per table (nested values as JSON text)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "export.json"]
    written[0].write_text(json.dumps(export.to_json(), indent=2, sort_keys=True) + "\n")
    cap_items = [
        {"cap_id": cap["cap_id"], "factory_id": cap.get("factory_id"), **item}
        for cap in export.caps
        for item in cap.get("items", [])
    ]
    caps = [{key: value for key, value in cap.items() if key != "items"} for cap in export.caps]
    tables = {
        "links": export.links, "factories": export.factories, "audits": export.audits, "caps": caps,
        "cap_items": cap_items, "evidence": export.evidence, "inbox": export.inbox,
    }
    for name, rows in tables.items():
        path = directory / f"{name}.csv"
        _write_csv(path, rows)
        written.append(path)
    return written


def read_export(path: Path) -> dict:
    """An ``export.json`` (or the directory holding it), checked to be one of ours."""
    if path.is_dir():
        path = path / "export.json"
    document = json.loads(path.read_text())
    if document.get("format") != EXPORT_FORMAT:
        raise ValueError(f"{path} is not a {EXPORT_FORMAT} file")
    return document


@dataclass
class ImportResult:
    requested: list[str] = field(default_factory=list)  # asked: each factory accepts (or not) on its side
    already_linked: list[str] = field(default_factory=list)  # active, or a request already pending
    refused: dict[str, str] = field(default_factory=dict)


def import_links(client: PlatformClient, document: dict, progress: Progress = lambda _: None) -> ImportResult:
    """Ask to link the caller to every factory an export was linked to, with the same relationship.

    A member's portfolio is what it owns and can move: the factory data itself
    belongs to the registry and is shared, so it is linked to, not copied. Links need
    each factory's consent: the import makes the requests, and each opens when its
    factory accepts.
    """
    result = ImportResult()
    current = {link["factory_id"] for link in client.links()}  # active links and pending requests
    for link in document["links"]:
        if not link.get("active", True):
            continue
        factory_id = link["factory_id"]
        if factory_id in current:
            result.already_linked.append(factory_id)
        else:
            try:
                client.link_factory(factory_id, link.get("relationship", "supplier"))
                result.requested.append(factory_id)
            except ApiError as error:
                result.refused[factory_id] = str(error.problem.get("detail", error))
        progress(factory_id)
    return result
