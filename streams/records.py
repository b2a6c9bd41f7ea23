"""Typed records: one dataclass per message shape in ``schemas/``.

orjson serialises these dataclasses directly (``codec.dumps``); field names
and optionality follow the JSON Schemas, which stay the public contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RAW_VERSION = 1
NORMALISED_VERSION = 1
FEED_VERSION = 3
DEAD_LETTER_VERSION = 1

Feed = Literal["strikes", "evacuations", "diplomacy", "unrouted"]


@dataclass(frozen=True, slots=True)
class RawArticle:
    """schemas/raw_article.json"""

    article_id: str
    body: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: str | None = None
    language: str | None = None
    schema_version: int = RAW_VERSION


@dataclass(frozen=True, slots=True)
class Boilerplate:
    kind: Literal["ui", "caption", "credit", "attribution", "outlet"]
    text: str


@dataclass(frozen=True, slots=True)
class Spelling:
    # "from" is a keyword; the JSON field is written by Article.to_json.
    from_: str
    to: str
    count: int


@dataclass(frozen=True, slots=True)
class Article:
    """schemas/normalised_article.json"""

    article_id: str
    title: str
    title_source: Literal["provided", "headline", "first_sentence"]
    body: str
    boilerplate: list[Boilerplate]
    spellings: list[Spelling]
    content_hash: str
    word_count: int
    language: str
    normalised_at: str
    source: str | None = None
    url: str | None = None
    published_at: str | None = None
    schema_version: int = NORMALISED_VERSION

    def to_json(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "article_id": self.article_id,
            "title": self.title,
            "title_source": self.title_source,
            "body": self.body,
            "boilerplate": [{"kind": b.kind, "text": b.text} for b in self.boilerplate],
            "spellings": [{"from": s.from_, "to": s.to, "count": s.count} for s in self.spellings],
            "content_hash": self.content_hash,
            "word_count": self.word_count,
            "language": self.language,
            "source": self.source,
            "url": self.url,
            "published_at": self.published_at,
            "normalised_at": self.normalised_at,
        }

    @classmethod
    def from_json(cls, d: dict) -> "Article":
        return cls(
            article_id=d["article_id"],
            title=d["title"],
            title_source=d["title_source"],
            body=d["body"],
            boilerplate=[Boilerplate(b["kind"], b["text"]) for b in d["boilerplate"]],
            spellings=[Spelling(s["from"], s["to"], s["count"]) for s in d["spellings"]],
            content_hash=d["content_hash"],
            word_count=d["word_count"],
            language=d["language"],
            normalised_at=d["normalised_at"],
            source=d.get("source"),
            url=d.get("url"),
            published_at=d.get("published_at"),
            schema_version=d["schema_version"],
        )


# The tag records are plain (not frozen) slotted dataclasses: tagging builds dozens per article, and a
# frozen dataclass costs about five times as much to construct. Treat them as values all the same.


@dataclass(slots=True)
class Evidence:
    """A sentence that made a rule fire: its text and offsets, and the cue's offsets in article.body."""

    rule: str
    cue: str
    sentence: str
    start: int
    end: int
    cue_start: int
    cue_end: int
    weight: float  # the rule's weight: how much this sentence alone says the event happened


@dataclass(slots=True)
class SubtypeInfo:
    """A taxonomy subtype (data/taxonomy.toml) with its ACLED and CAMEO equivalents, where they exist."""

    id: str
    label: str
    acled: str | None
    cameo: str | None


@dataclass(slots=True)
class Category:
    category: Literal["strikes", "evacuations", "diplomacy"]
    confidence: float
    subtypes: list[str]
    evidence: list[Evidence]
    rules: list[str] = field(default_factory=list)
    subtype_details: list[SubtypeInfo] = field(default_factory=list)
    classifier_probability: float | None = None  # streams.classify's second opinion


@dataclass(slots=True)
class Place:
    name: str
    kind: str
    country: str
    region: str | None  # first-level division (oblast, krai, ...) when known
    lat: float
    lon: float
    mentions: int
    geonames_id: int | None = None


@dataclass(slots=True)
class Actor:
    name: str
    kind: Literal["person", "organisation", "armed_force", "state", "government"]
    role: str | None
    affiliation: str | None
    mentions: int


@dataclass(slots=True)
class Weapon:
    name: str
    kind: str
    mentions: int


@dataclass(slots=True)
class Figure:
    kind: Literal["killed", "wounded", "evacuated", "displaced", "missiles", "drones", "convoy_km"]
    value: float
    unit: str | None
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Tags:
    taxonomy_version: str
    categories: list[Category]
    places: list[Place] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    weapons: list[Weapon] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    rules_version: str | None = None
    classifier_version: str | None = None


@dataclass(frozen=True, slots=True)
class FeedMessage:
    """schemas/feed_message.json"""

    article_id: str
    feeds: list[str]
    routed_at: str
    article: Article
    tags: Tags
    schema_version: int = FEED_VERSION

    def to_json(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "article_id": self.article_id,
            "feeds": self.feeds,
            "routed_at": self.routed_at,
            "article": self.article.to_json(),
            "tags": self.tags,  # orjson serialises the nested dataclasses
        }


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """schemas/dead_letter.json"""

    reason: str
    detail: str
    stage: Literal["normalise", "route"]
    topic: str
    partition: int
    offset: int
    key: str | None
    key_encoding: Literal["utf-8", "base64"]
    article_id: str | None
    payload: str
    payload_encoding: Literal["utf-8", "base64"]
    payload_bytes: int
    payload_sha256: str
    truncated: bool
    failed_at: str
    schema_version: int = DEAD_LETTER_VERSION
