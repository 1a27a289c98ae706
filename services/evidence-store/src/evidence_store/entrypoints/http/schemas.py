from datetime import datetime

from pydantic import BaseModel


class EvidenceOut(BaseModel):
    evidence_id: str
    factory_id: str
    cap_id: str
    item_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class DownloadOut(BaseModel):
    url: str
    expires_in: int
