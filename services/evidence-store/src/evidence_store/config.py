from shared_audits.settings import ServiceSettings

DEVELOPMENT_S3_SECRET = "devsecret-change-me"


class Settings(ServiceSettings):
    service_name: str = "evidence-store"
    s3_endpoint: str = "127.0.0.1:19000"
    s3_access_key: str = "devaccess"
    s3_secret_key: str = DEVELOPMENT_S3_SECRET
    s3_region: str = "us-east-1"
    s3_secure: bool = False
    evidence_bucket: str = "evidence"
    max_upload_bytes: int = 25 * 1024 * 1024
    allowed_types: list[str] = ["pdf", "jpeg", "png", "docx", "xlsx"]
    download_url_seconds: int = 300
    upload_url_seconds: int = 300
    # How often presigned uploads never completed in time are cleaned up.
    upload_cleanup_seconds: float = 60.0

    def unsafe_development_values(self) -> list[str]:
        return ["S3_SECRET_KEY"] if self.s3_secret_key == DEVELOPMENT_S3_SECRET else []
