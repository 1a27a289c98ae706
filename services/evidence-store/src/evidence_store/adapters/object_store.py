"""The private evidence bucket in an S3-compatible store, through the minio SDK.

The SDK is synchronous, so each call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import timedelta

from minio import Minio
from minio.error import S3Error

from evidence_store.config import Settings


class EvidenceBucket:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceBucket:
        client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,  # explicit: no bucket-location round trip
        )
        return cls(client, settings.evidence_bucket)

    async def ensure_bucket(self) -> None:
        if not await asyncio.to_thread(self._client.bucket_exists, self._bucket):
            await asyncio.to_thread(self._client.make_bucket, self._bucket)

    async def check(self) -> None:
        if not await asyncio.to_thread(self._client.bucket_exists, self._bucket):
            raise ConnectionError(f"bucket {self._bucket} missing")

    async def put(self, key: str, content: bytes, content_type: str, sha256: str) -> None:
        await asyncio.to_thread(
            self._client.put_object,
            self._bucket,
            key,
            io.BytesIO(content),
            len(content),
            content_type=content_type,
            metadata={"sha256": sha256},
        )

    async def sha256_of(self, key: str) -> str:
        """Hash the object as stored, to verify what the store really holds."""

        def read_and_hash() -> str:
            response = self._client.get_object(self._bucket, key)
            try:
                digest = hashlib.sha256()
                for chunk in response.stream(256 * 1024):
                    digest.update(chunk)
                return digest.hexdigest()
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(read_and_hash)

    async def upload_url(self, key: str, seconds: int) -> str:
        """A presigned PUT for one new object key, signed client-side (SigV4)."""
        return await asyncio.to_thread(self._client.presigned_put_object, self._bucket, key, timedelta(seconds=seconds))

    async def size_of(self, key: str) -> int | None:
        """The stored object's size, None when nothing was uploaded under the key."""

        def stat() -> int | None:
            try:
                return self._client.stat_object(self._bucket, key).size
            except S3Error as error:
                if error.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                    return None
                raise

        return await asyncio.to_thread(stat)

    async def read(self, key: str, limit: int) -> bytes:
        """The stored object's bytes, at most ``limit`` (the caller checked the size first)."""

        def read_all() -> bytes:
            response = self._client.get_object(self._bucket, key, length=limit)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(read_all)

    async def remove(self, key: str) -> None:
        await asyncio.to_thread(self._client.remove_object, self._bucket, key)

    async def download_url(self, key: str, filename: str, seconds: int) -> str:
        return await asyncio.to_thread(
            self._client.presigned_get_object,
            self._bucket,
            key,
            expires=timedelta(seconds=seconds),
            response_headers={"response-content-disposition": f'attachment; filename="{filename}"'},
        )
