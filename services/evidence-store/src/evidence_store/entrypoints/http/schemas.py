from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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
    version_number: int
    review_status: str
    review_comment: str | None


class DownloadOut(BaseModel):
    url: str
    expires_in: int


class RequestUpload(BaseModel):
    """What the factory declares before it PUTs the file to the presigned URL."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=200)
    size_bytes: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class UploadOut(BaseModel):
    upload_id: str
    upload_url: str
    method: str = "PUT"
    expires_in: int
    object_key_hint: str = "the URL names a fresh, unguessable object; PUT the file's bytes as the body"


class UploadStatusOut(BaseModel):
    upload_id: str
    status: str
    reason: str | None
    evidence_id: str | None
