"""Photos as objects in an S3 bucket (AWS, or any S3-compatible service: MinIO, Ceph...).

A PUT of one object is atomic in S3, so no temporary object is needed. boto3 is imported
only when a store is made without a client, so dorsum starts without it when photos are kept
locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from dorsum.media.store import MissingFile, checked_key, checked_prefix, is_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# How S3 and compatible services say "no such object" to GetObject.
_ABSENT = frozenset({"NoSuchKey", "404", "NotFound"})


class S3Store:
    """A PhotoStore in one bucket; empty credentials mean boto3's usual lookup (environment,
    instance role), an empty endpoint AWS itself. `client` is for a client made elsewhere."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        client: S3Client | None = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region,
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret_access_key or None,
            )
        self.bucket = bucket
        self.client = client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=checked_key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=checked_key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _ABSENT:
                raise MissingFile(key) from None
            raise
        with response["Body"] as body:
            return body.read()

    def delete(self, key: str) -> None:
        """S3 answers a delete of an absent object as a success."""
        self.client.delete_object(Bucket=self.bucket, Key=checked_key(key))

    def keys(self, prefix: str = "") -> list[str]:
        """Objects not named like store keys (put there by other tools) are left out, as
        LocalStore leaves out files that are not its own."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=checked_prefix(prefix)
        )
        found = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return sorted(key for key in found if is_key(key))
