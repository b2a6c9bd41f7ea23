"""Stage 3, route: tagged article → the feeds it belongs on.

Routing is the table in ``data/routes.toml``: each category sends an
article to a feed once its confidence reaches the row's threshold. An
article can go to several feeds; one that reaches none goes to the fallback
feed (``unrouted``). ``route`` is pure; the agent writes the one
``FeedMessage`` it returns to the topic of every feed it names.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .codec import rfc3339
from .records import Article, FeedMessage, Tags
from .tag import tag

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class Route:
    category: str
    feed: str
    min_confidence: float


@dataclass(frozen=True, slots=True)
class Table:
    routes: tuple[Route, ...]
    fallback: str

    @property
    def feeds(self) -> tuple[str, ...]:
        """Every feed the table can send to, the fallback last."""
        seen = dict.fromkeys(r.feed for r in self.routes)
        return (*seen, self.fallback)


@functools.cache
def table(path: Path = DATA / "routes.toml") -> Table:
    cfg = tomllib.loads(path.read_text(encoding="utf-8"))
    routes = tuple(Route(r["category"], r["feed"], float(r["min_confidence"])) for r in cfg["route"])
    return Table(routes, cfg["fallback"])


def feeds_for(tags: Tags, routes: Table | None = None) -> list[str]:
    """The feeds an article with these tags goes to, in table order."""
    routes = routes or table()
    confidence = {c.category: c.confidence for c in tags.categories}
    chosen = dict.fromkeys(r.feed for r in routes.routes if confidence.get(r.category, 0.0) >= r.min_confidence)
    return list(chosen) or [routes.fallback]


def route(article: Article, tags: Tags | None = None, now: datetime | None = None) -> FeedMessage:
    """Tag (unless tags are given) and route one article."""
    tags = tags if tags is not None else tag(article)
    feeds = feeds_for(tags)
    kept = {r.category for r in table().routes if r.feed in feeds}
    # only the categories that routed are published
    tags = dataclasses.replace(tags, categories=[c for c in tags.categories if c.category in kept])
    return FeedMessage(article.article_id, feeds, rfc3339(now), article, tags)
