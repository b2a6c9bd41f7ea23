"""Compiled validators for the JSON Schemas in ``schemas/``.

The files in ``schemas/`` are the contract with subscribers in any language;
this module compiles them once (fastjsonschema) for the edges of the pipeline:
the replayer's output and the normalise stage's input. Tests also validate
every stage's output against them.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import fastjsonschema
import orjson

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
if not SCHEMA_DIR.is_dir():  # installed as a wheel: schemas ship inside the package
    SCHEMA_DIR = Path(__file__).resolve().parent / "_schemas"

NAMES = ("raw_article", "normalised_article", "feed_message", "dead_letter")


class SchemaError(ValueError):
    """A message does not match its schema; ``path`` names the field."""

    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.path = path


def load(name: str) -> dict[str, Any]:
    return orjson.loads((SCHEMA_DIR / f"{name}.json").read_bytes())


def _resolve(uri: str) -> dict[str, Any]:
    # $ref between our own files only: never fetch anything over the network.
    return load(uri.rsplit("/", 1)[-1].removesuffix(".json"))


@functools.cache
def validator(name: str) -> Callable[[Any], Any]:
    check = fastjsonschema.compile(load(name), handlers={"https": _resolve, "http": _resolve})

    def validate(data: Any) -> Any:
        try:
            return check(data)
        except fastjsonschema.JsonSchemaValueException as exc:
            path = ".".join(str(p) for p in exc.path[1:]) or "(message)"
            raise SchemaError(exc.message.replace("data.", "", 1).replace("data ", "message ", 1), path) from None

    return validate


def validate(name: str, data: Any) -> Any:
    return validator(name)(data)
