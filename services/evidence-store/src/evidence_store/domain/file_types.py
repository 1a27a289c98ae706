"""Which file types evidence may be, told by content (magic bytes), never by name."""

from __future__ import annotations

import io
import re
import zipfile

import puremagic

from shared_audits.errors import InvalidRequestError

from evidence_store.domain.errors import FileTooLargeError

MIME_BY_TYPE = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TYPE_BY_MIME = {mime: name for name, mime in MIME_BY_TYPE.items()}
# Declared types that say nothing (browsers and curl send them): the content decides alone.
UNINFORMATIVE_MIME = {"", "application/octet-stream", "binary/octet-stream"}
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def detect_type(head: bytes, whole: bytes | None = None) -> str | None:
    """The short type name of a file from its first bytes; OOXML needs the whole zip."""
    try:
        mime = puremagic.from_string(head, mime=True)
    except puremagic.PureError:
        return None
    for name, known_mime in MIME_BY_TYPE.items():
        if mime == known_mime and name not in _OOXML_MAIN_PART:
            return name
    if head.startswith(b"PK\x03\x04") and whole is not None:
        # Office documents are zip archives; their main part says which kind they are.
        try:
            names = set(zipfile.ZipFile(io.BytesIO(whole)).namelist())
        except zipfile.BadZipFile:
            return None
        for name, part in _OOXML_MAIN_PART.items():
            if part in names and "[Content_Types].xml" in names:
                return name
    return None


def accepted_type(content: bytes, declared: str | None, allowed_types: list[str], max_bytes: int) -> str:
    """The type of content acceptable as evidence, told by its bytes; raises with the reason otherwise.

    Not empty, at most ``max_bytes``, one of ``allowed_types``, and what the caller declared (if anything).
    """
    if len(content) > max_bytes:
        raise FileTooLargeError(f"the limit is {max_bytes} bytes")
    if not content:
        raise InvalidRequestError("the file is empty")
    file_type = detect_type(content[:4096], content)
    if file_type not in allowed_types:
        raise InvalidRequestError(f"file content is not one of: {', '.join(allowed_types)}")
    if declared is not None and declared != file_type:
        raise InvalidRequestError(f"the file was declared as {declared} but its content is {file_type}")
    return file_type


def declared_type(content_type: str | None) -> str | None:
    """The short type a caller declared, None when it declared nothing useful; unknown types are refused."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in UNINFORMATIVE_MIME:
        return None
    if mime not in TYPE_BY_MIME:
        raise InvalidRequestError(f"content type {mime} is not accepted as evidence")
    return TYPE_BY_MIME[mime]


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def checked_filename(name: str) -> str:
    """A file name, never a path: names with directories, traversal or control characters are refused."""
    if not name or len(name) > 255:
        raise InvalidRequestError("a file name of 1 to 255 characters is required")
    if "/" in name or "\\" in name or ".." in name or _CONTROL.search(name) or name.strip().startswith("."):
        raise InvalidRequestError("the file name must be a plain name, not a path")
    return _UNSAFE_NAME.sub("_", name.strip())[:200]
