"""Which file types evidence may be, told by content (magic bytes), never by name."""

from __future__ import annotations

import io
import zipfile

import puremagic

MIME_BY_TYPE = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
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
