"""The place list (``data/gazetteer.tsv``) loaded once, for normalise and tag."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
REGION_WORDS = ("region", "oblast", "province", "Region", "Oblast", "Province")


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    kind: str
    country: str
    region: str | None
    lat: float
    lon: float
    variants: tuple[str, ...]


@functools.cache
def entries() -> tuple[Entry, ...]:
    out = []
    for line in (DATA / "gazetteer.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, kind, country, region, lat, lon, *rest = line.split("\t")
        variants = tuple(v for v in (rest[0] if rest else "").split(";") if v)
        out.append(Entry(name, kind, country, region or None, float(lat), float(lon), variants))
    return tuple(out)


@functools.cache
def spelling_variants() -> dict[str, str]:
    """Single-name variant → canonical name, for the normalise stage's rewrite."""
    out = {}
    for e in entries():
        for v in e.variants:
            if not any(v.endswith(" " + w) or v.startswith(w.lower() + " ") for w in REGION_WORDS):
                out[v] = e.name
    return out


@functools.cache
def region_bases() -> frozenset[str]:
    """First words of region names ("Dnipropetrovsk" of "Dnipropetrovsk Oblast"):
    a variant equal to one of these is left alone before "region"/"oblast"."""
    return frozenset(e.name.rsplit(" ", 1)[0] for e in entries() if e.kind == "region" and " " in e.name)
