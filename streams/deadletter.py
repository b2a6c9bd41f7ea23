"""The error path: a message that failed becomes a ``DeadLetter`` record.

It says why (a reason code from a fixed list, counted in metrics, and a
human-readable detail), where the message came from (topic, partition,
offset), and carries the original bytes (as text when they are UTF-8, else
base64) so nothing is lost. Very large payloads keep their first bytes plus
the SHA-256 of the whole; the original stays at its offset in the source topic.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from .codec import rfc3339, text_or_base64
from .records import DeadLetter

REASONS = (
    "oversized",
    "invalid_utf8",
    "invalid_json",
    "not_an_object",
    "too_deep",
    "duplicate_key",
    "unsupported_schema_version",
    "schema_violation",
    "empty_body",
    "processing_error",
)


def dead_letter(
    *,
    reason: str,
    detail: str,
    stage: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    article_id: str | None,
    max_payload: int,
    now: datetime | None = None,
) -> DeadLetter:
    if reason not in REASONS:
        raise ValueError(f"unknown dead-letter reason {reason!r}")
    value = value or b""
    kept = value[:max_payload]
    payload, encoding = text_or_base64(kept)
    if encoding == "base64" and len(kept) < len(value):
        # the cut may have split a UTF-8 character: try the text form without it
        for trim in (1, 2, 3):
            text, enc = text_or_base64(kept[:-trim])
            if enc == "utf-8":
                payload, encoding = text, enc
                break
    key_text, key_encoding = text_or_base64(key) if key is not None else (None, "utf-8")
    return DeadLetter(
        reason=reason,
        detail=detail[:2000],
        stage=stage,
        topic=topic,
        partition=partition,
        offset=offset,
        key=key_text,
        key_encoding=key_encoding,
        article_id=article_id,
        payload=payload,
        payload_encoding=encoding,
        payload_bytes=len(value),
        payload_sha256=hashlib.sha256(value).hexdigest(),
        truncated=len(kept) < len(value),
        failed_at=rfc3339(now),
    )
