"""JSON on the wire (orjson) and timestamps, shared by every stage."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

import orjson


def dumps(obj: Any) -> bytes:
    """UTF-8 JSON; dataclass records serialise directly, ``to_json`` where a record has one."""
    to_json = getattr(obj, "to_json", None)
    return orjson.dumps(to_json() if to_json else obj)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def rfc3339(moment: datetime | None = None) -> str:
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def text_or_base64(data: bytes) -> tuple[str, str]:
    """(text, "utf-8") when ``data`` is valid UTF-8, else (base64, "base64")."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"
