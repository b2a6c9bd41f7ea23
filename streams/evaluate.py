"""``newswire evaluate CORPUS``: how well tagging and routing match a labelled corpus.

A corpus is JSON lines with ``article_id``, ``body`` (and ``title``) and
``expected``: ``feeds`` (sorted, [] for unrouted) and the key entities
(``places``, ``weapons``, ``actors``, ``figures`` as ``{kind, value}``).
It prints per-feed precision, recall and F1, and per-entity-type precision,
recall and F1 (micro-averaged over the items). Pure apart from reading the
file: ``score(items)`` does the work.

Entities are compared the way the corpus labels them (tests/corpus/README.md):
places other than countries, a region under its base name ("Kharkiv Oblast"
counts as "Kharkiv"); weapons other than launch platforms (Tu-95, Su-34);
actors that are people or organisations (not states, armed forces or seats of
government).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import gazetteer
from .codec import loads
from .normalise import normalise
from .records import RawArticle
from .route import route, table

ENTITY_TYPES = ("places", "weapons", "actors", "figures")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, got: set, want: set) -> None:
        self.tp += len(got & want)
        self.fp += len(got - want)
        self.fn += len(want - got)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    items: int = 0
    exact: int = 0  # items whose feed set is exactly right
    feeds: dict[str, Counts] = field(default_factory=dict)
    entities: dict[str, Counts] = field(default_factory=dict)
    errors: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # id, got, want
    sealed: bool = False  # a held-out set: per-item results are not kept, only the aggregates

    def as_dict(self) -> dict[str, Any]:
        def row(c: Counts) -> dict[str, float]:
            return {"precision": round(c.precision, 4), "recall": round(c.recall, 4), "f1": round(c.f1, 4),
                    "tp": c.tp, "fp": c.fp, "fn": c.fn}

        return {
            "items": self.items,
            "exact_match": round(self.exact / self.items, 4) if self.items else 0.0,
            "feeds": {k: row(v) for k, v in self.feeds.items()},
            "entities": {k: row(v) for k, v in self.entities.items()},
            "misrouted": [{"article_id": i, "got": g, "want": w} for i, g, w in self.errors],
            "sealed": self.sealed,
        }


def is_sealed(path: str | Path) -> bool:
    """A held-out corpus (``heldout*.jsonl``): only its aggregate scores are ever shown, so that nobody tunes
    the rules to its items by accident (tests/corpus/README.md)."""
    return Path(path).name.startswith("heldout")


def load(path: str | Path) -> list[dict[str, Any]]:
    return [loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


_REGION_SUFFIXES = (" Oblast", " Krai", " Republic")


def _place_label(place) -> str:
    """The corpus' convention: a region under its base name, in canonical spelling
    ("Kharkiv Oblast" → "Kharkiv", "Dnipropetrovsk Oblast" → "Dnipro")."""
    if place.kind != "region":
        return place.name
    base = place.name
    for suffix in _REGION_SUFFIXES:
        base = base.removesuffix(suffix)
    return gazetteer.spelling_variants().get(base, base)


def _entity_keys(kind: str, values: Iterable[Any]) -> set:
    if kind == "figures":
        return {(f["kind"], float(f["value"])) for f in values}
    return {str(v).casefold() for v in values}


def score(items: list[dict[str, Any]], sealed: bool = False) -> Report:
    routes = table()
    report = Report(feeds={f: Counts() for f in routes.feeds if f != routes.fallback},
                    entities={k: Counts() for k in ENTITY_TYPES}, sealed=sealed)
    for item in items:
        raw = RawArticle(item["article_id"], item["body"], title=item.get("title"), language=item.get("language"))
        message = route(normalise(raw))
        got = set(message.feeds) - {routes.fallback}
        want = set(item["expected"]["feeds"])
        report.items += 1
        report.exact += got == want
        if got != want and not sealed:
            report.errors.append((item["article_id"], sorted(got), sorted(want)))
        for feed, counts in report.feeds.items():
            counts.add({feed} & got, {feed} & want)
        tags = message.tags
        found = {
            "places": [_place_label(p) for p in tags.places if p.kind != "country"],
            "weapons": [w.name for w in tags.weapons if w.kind != "launch platform"],
            "actors": [a.name for a in tags.actors if a.kind in ("person", "organisation")],
            "figures": [{"kind": f.kind, "value": f.value} for f in tags.figures],
        }
        for kind in ENTITY_TYPES:
            if kind in item["expected"]:
                report.entities[kind].add(_entity_keys(kind, found[kind]), _entity_keys(kind, item["expected"][kind]))
    return report


def render(report: Report, name: str) -> str:
    lines = [f"{name}: {report.items} articles, feed sets exactly right for {report.exact}"
             f" ({100 * report.exact / max(report.items, 1):.1f}%)", "",
             f"{'feed':<14}{'precision':>10}{'recall':>10}{'F1':>8}{'tp':>6}{'fp':>5}{'fn':>5}"]
    for feed, c in report.feeds.items():
        lines.append(f"{feed:<14}{c.precision:>10.3f}{c.recall:>10.3f}{c.f1:>8.3f}{c.tp:>6}{c.fp:>5}{c.fn:>5}")
    lines += ["", f"{'entities':<14}{'precision':>10}{'recall':>10}{'F1':>8}{'tp':>6}{'fp':>5}{'fn':>5}"]
    for kind, c in report.entities.items():
        lines.append(f"{kind:<14}{c.precision:>10.3f}{c.recall:>10.3f}{c.f1:>8.3f}{c.tp:>6}{c.fp:>5}{c.fn:>5}")
    if report.sealed:
        lines += ["", "held-out set: per-item results are not shown"]
    elif report.errors:
        lines += ["", "misrouted:"] + [f"  {i}: got {g or ['unrouted']}, want {w or ['unrouted']}"
                                       for i, g, w in report.errors]
    return "\n".join(lines)
