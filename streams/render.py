"""Human-readable views of feed messages, for ``newswire demo`` and ``newswire tag --text``."""

from __future__ import annotations

import textwrap
from typing import Any

WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def article_block(msg: dict[str, Any], *, evidence_per_category: int = 2) -> str:
    """One feed message (as JSON-decoded dict) as an indented block of text."""
    art, tags = msg["article"], msg["tags"]
    lines = [f"● {msg['article_id']}  [{', '.join(msg['feeds'])}]", _wrap(art["title"], "  ")]
    for c in tags["categories"]:
        p = c.get("classifier_probability")
        opinion = "" if p is None else f"  classifier {p:.2f}"
        lines.append(f"  {c['category']:<12} confidence {c['confidence']:.2f}{opinion}  ({', '.join(c['subtypes'])})")
        by_sentence: dict[int, list[dict[str, Any]]] = {}
        for ev in c["evidence"]:
            by_sentence.setdefault(ev["start"], []).append(ev)
        for evs in list(by_sentence.values())[:evidence_per_category]:
            rules = ", ".join(f"{ev['rule']}: {ev['cue']}" for ev in evs)
            lines.append(_wrap(f"“{evs[0]['sentence']}”  [{rules}]", "      "))
    if tags["places"]:
        lines.append(_wrap("places   " + "; ".join(
            f"{p['name']} ({p['lat']:.2f}, {p['lon']:.2f})" for p in tags["places"] if p["kind"] != "country"), "  "))
    if tags["weapons"]:
        lines.append(_wrap("weapons  " + ", ".join(w["name"] for w in tags["weapons"]), "  "))
    people = [a for a in tags["actors"] if a["kind"] in ("person", "organisation")]
    if people:
        lines.append(_wrap("actors   " + "; ".join(
            f"{a['name']}" + (f" ({a['role']})" if a["kind"] == "person" and a.get("role") else "") for a in people),
            "  "))
    if tags["figures"]:
        lines.append(_wrap("figures  " + "; ".join(
            f"{f['kind']} {f['value']:,}{' ' + f['unit'] if f.get('unit') else ''} (“{f['text']}”)" for f in tags["figures"]),
            "  "))
    return "\n".join(lines)


def feed_table(feeds: dict[str, list[dict[str, Any]]]) -> str:
    """Articles grouped by feed: the demo's main output."""
    out = []
    for feed, messages in feeds.items():
        out.append(f"\n━━ feeds.{feed} — {len(messages)} article(s) " + "━" * max(0, WIDTH - 30 - len(feed)))
        for msg in sorted(messages, key=lambda m: m["article_id"]):
            out.append(article_block(msg))
    return "\n".join(out)
