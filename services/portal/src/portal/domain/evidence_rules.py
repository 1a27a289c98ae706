"""What evidence the browser may send: the types and size evidence-store accepts, checked before sending."""

from __future__ import annotations

ACCEPTED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
ACCEPTED_EXTENSIONS = [".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx"]


def refusal(filename: str, content_type: str | None, size: int, max_bytes: int) -> str | None:
    """Why a file is refused before it is sent on ("type", "size", "empty"), or None."""
    name = filename.lower()
    if size == 0:
        return "empty"
    if content_type not in ACCEPTED_TYPES and not any(name.endswith(ext) for ext in ACCEPTED_EXTENSIONS):
        return "type"
    if size > max_bytes:
        return "size"
    return None
