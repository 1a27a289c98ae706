"""The Factory Profile as a web form: form fields to the registry's body, and its errors back to fields.

Rows of a list are named ``<list>-<index>-<field>`` (``buildings-0-floors``); a row left empty is
skipped, so the form can always offer one blank row to fill in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WORKFORCE = ["female", "male", "other_gender", "permanent", "temporary", "migrant", "under_18"]
ROWS = {
    "buildings": ["name", "use", "floors", "year_built"],
    "certifications": ["scheme", "certificate_number", "issued_on", "expires_on"],
    "processes": ["name", "kind", "subcontractor_id"],
}
NUMBERS = {"floors", "year_built"}
BUILDING_USES = ["production", "warehouse", "office", "dormitory", "canteen", "other"]
PROCESS_KINDS = ["internal", "external"]
MAX_ROWS = 100


def _number(text: str) -> int | str:
    """A whole number when it is one; otherwise the text, for the registry to refuse with a message."""
    text = text.strip()
    return int(text) if text.isdigit() else text


def profile_body(form: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    workforce = {name: _number(form.get(f"workforce-{name}", "") or "0") for name in WORKFORCE}
    if any(value not in (0, "0") for value in workforce.values()):
        body["workforce"] = workforce
    if form.get("dormitories-provided") in ("yes", "no"):
        body["dormitories"] = {
            "provided": form["dormitories-provided"] == "yes",
            "buildings": _number(form.get("dormitories-buildings", "") or "0"),
            "residents": _number(form.get("dormitories-residents", "") or "0"),
        }
    for name, fields in ROWS.items():
        rows = []
        for index in range(MAX_ROWS):
            values = {f: (form.get(f"{name}-{index}-{f}") or "").strip() for f in fields}
            if not any(values.get(f) for f in fields if f not in ("use", "kind")):
                continue
            rows.append({f: (_number(v) if f in NUMBERS else v) for f, v in values.items() if v != ""})
        body[name] = rows
    return body


def form_values(profile: Mapping[str, Any] | None) -> dict[str, str]:
    """The current profile as form fields, to start the next version from."""
    values: dict[str, str] = {}
    if not profile:
        return values
    for name, count in (profile.get("workforce") or {}).items():
        values[f"workforce-{name}"] = str(count)
    dormitories = profile.get("dormitories")
    if dormitories:
        values["dormitories-provided"] = "yes" if dormitories.get("provided") else "no"
        values["dormitories-buildings"] = str(dormitories.get("buildings", 0))
        values["dormitories-residents"] = str(dormitories.get("residents", 0))
    for name, fields in ROWS.items():
        for index, row in enumerate(profile.get(name) or []):
            for f in fields:
                if row.get(f) is not None:
                    values[f"{name}-{index}-{f}"] = str(row[f])
    return values


def row_count(values: Mapping[str, str], name: str) -> int:
    """Rows to show: those filled in, plus one blank."""
    indexes = [int(key.split("-")[1]) for key in values if key.startswith(f"{name}-") and key.split("-")[1].isdigit()]
    return (max(indexes) + 2) if indexes else 1


def field_errors(errors: list[dict]) -> tuple[dict[str, str], list[str]]:
    """The registry's 422 errors as messages per form field; those that fit no field as a list."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        parts = [p for p in str(error.get("field", "")).split(".") if p and p != "body"]
        message = str(error.get("message", ""))
        if parts and parts[0] in ("workforce", "dormitories") and len(parts) > 1:
            by_field[f"{parts[0]}-{parts[1]}"] = message
        elif parts and parts[0] in ROWS and len(parts) > 2:
            by_field[f"{parts[0]}-{parts[1]}-{parts[2]}"] = message
        elif parts and parts[0] in ROWS and len(parts) == 2:
            by_field[f"{parts[0]}-{parts[1]}-{ROWS[parts[0]][0]}"] = message
        else:
            general.append(f"{'.'.join(parts)}: {message}" if parts else message)
    return by_field, general
