"""Stage 2, tag: what happened, where, who, with what.

``tag(article) -> Tags`` is pure. It tokenises the body once and walks the
tokens through one phrase index that holds every lexicon: the event rules of
``data/tagging.toml`` (with their context words and vetoes), the places of
``data/gazetteer.tsv``, the actors of ``data/actors.tsv`` and the weapons of
``data/weapons.tsv``. No regex is run per rule, so the cost grows with the
text, not with the number of rules. Figures (killed, evacuated, convoy
lengths, ...) come from one scan for numbers.
"""

from __future__ import annotations

import functools
import re
import tomllib
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import gazetteer
from .records import Actor, Article, Category, Evidence, Figure, Place, Tags, Weapon

DATA = Path(__file__).resolve().parent / "data"
MAX_EVIDENCE = 5  # sentences kept per category: enough to judge, small on the wire

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'’.][a-z0-9]+)*")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"”’»)]*\s+(?=[\"“‘«(]?[A-Z0-9])|\n+")


def _stem(token: str) -> str:
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if len(token) > 3 and token[-1] == "s" and token[-2] not in "su'" and not token[-2].isdigit():
        token = token[:-3] + "y" if token.endswith("ies") and len(token) > 4 else token[:-1]
    return token


@dataclass(slots=True)
class Rule:
    id: str
    category: str
    subtype: str
    weight: float
    has_context: bool


@dataclass(frozen=True, slots=True)
class Hit:
    """A phrase of some lexicon found at tokens [i, j)."""

    kind: str  # cue, context, veto, negator, hypothetical, place, actor, weapon
    ref: object
    surface: str  # the phrase as written in the lexicon, for exact-case checks


@dataclass(slots=True)
class Lexicon:
    version: str
    window: int
    index: dict[str, list[tuple[tuple[str, ...], Hit]]] = field(default_factory=lambda: defaultdict(list))
    rules: dict[str, Rule] = field(default_factory=dict)

    def add(self, phrase: str, hit: Hit) -> None:
        tokens = tuple(_stem(t) for t in _TOKEN.findall(phrase.lower()))
        if tokens:
            self.index[tokens[0]].append((tokens, hit))

    def finish(self) -> None:
        for entries in self.index.values():
            entries.sort(key=lambda e: -len(e[0]))  # longest phrase first


def _tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@functools.cache
def lexicon() -> Lexicon:
    cfg = tomllib.loads((DATA / "tagging.toml").read_text(encoding="utf-8"))
    lex = Lexicon(version=cfg["version"], window=cfg["window"])
    for word in cfg["negators"]:
        lex.add(word, Hit("negator", None, word))
    for word in cfg["hypothetical"]:
        lex.add(word, Hit("hypothetical", None, word))
    for category, phrases in cfg["vetoes"].items():
        for p in phrases:
            lex.add(p, Hit("veto", category, p))
    for r in cfg["rule"]:
        rule = Rule(r["id"], r["category"], r["subtype"], float(r["weight"]), bool(r.get("context")))
        lex.rules[rule.id] = rule
        for p in r["cues"]:
            lex.add(p, Hit("cue", rule, p))
        for p in r.get("context", ()):
            lex.add(p, Hit("context", rule.id, p))
    for e in gazetteer.entries():
        for p in (e.name, *e.variants):
            lex.add(p, Hit("place", e, p))
    for name, kind, role, affiliation, *rest in _tsv("actors.tsv"):
        actor = (name, kind, role or None, affiliation or None)
        for p in (name, *(v for v in (rest[0] if rest else "").split(";") if v)):
            lex.add(p, Hit("actor", actor, p))
    for name, kind, *rest in _tsv("weapons.tsv"):
        for p in (name, *(v for v in (rest[0] if rest else "").split(";") if v)):
            lex.add(p, Hit("weapon", (name, kind), p))
    lex.finish()
    return lex


def _exact_case(surface: str) -> bool:
    # Short acronyms (US, UN, EU, KAB) must match in capitals: "us" is a pronoun.
    letters = surface.replace(".", "")
    return len(letters) <= 4 and letters.isupper()


def tag(article: Article) -> Tags:
    """Categories with confidence and evidence, plus places, actors, weapons and figures."""
    lex = lexicon()
    text = article.body
    lowered = text.lower()
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(lowered)]
    tokens = [_stem(lowered[s:e]) for s, e in spans]
    sentence_starts = [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)]

    # One pass over the tokens: every phrase of every lexicon.
    found: list[tuple[int, int, Hit]] = []
    index = lex.index
    n = len(tokens)
    for i, tok in enumerate(tokens):
        candidates = index.get(tok)
        if not candidates:
            continue
        for phrase, hit in candidates:
            j = i + len(phrase)
            if j > n or (len(phrase) > 1 and tuple(tokens[i:j]) != phrase):
                continue
            if _exact_case(hit.surface) and text[spans[i][0]:spans[j - 1][1]].replace(".", "") != hit.surface.replace(".", ""):
                continue
            found.append((i, j, hit))

    categories = _categories(lex, text, spans, sentence_starts, found)
    places, actors, weapons = _entities(found, spans)
    return Tags(
        taxonomy_version=lex.version,
        categories=categories,
        places=places,
        actors=actors,
        weapons=weapons,
        figures=figures(text, sentence_starts),
    )


def _categories(lex: Lexicon, text: str, spans, sentence_starts, found) -> list[Category]:
    by_sentence: dict[int, list[tuple[int, int, Hit]]] = defaultdict(list)
    for i, j, hit in found:
        if hit.kind in ("cue", "context", "veto", "negator", "hypothetical"):
            by_sentence[bisect_right(sentence_starts, spans[i][0]) - 1].append((i, j, hit))

    fired: dict[str, dict[str, Evidence]] = defaultdict(dict)  # category → rule id → first evidence
    sentences_of: dict[str, list[Evidence]] = defaultdict(list)
    for s, hits in sorted(by_sentence.items()):
        vetoed = {h.ref for _, _, h in hits if h.kind == "veto"}
        contexts = {h.ref for _, _, h in hits if h.kind == "context"}
        guards = [i for i, _, h in hits if h.kind in ("negator", "hypothetical")]
        for i, j, h in hits:
            if h.kind != "cue":
                continue
            rule: Rule = h.ref
            if rule.category in vetoed or (rule.has_context and rule.id not in contexts):
                continue
            if any(i - lex.window <= g < i for g in guards):
                continue
            start = sentence_starts[s]
            end = sentence_starts[s + 1] if s + 1 < len(sentence_starts) else len(text)
            sentence = text[start:end].rstrip()
            ev = Evidence(rule.id, text[spans[i][0]:spans[j - 1][1]], sentence, start, start + len(sentence))
            fired[rule.category].setdefault(rule.id, ev)
            if len(sentences_of[rule.category]) < MAX_EVIDENCE and all(
                e.start != start for e in sentences_of[rule.category]
            ):
                sentences_of[rule.category].append(ev)

    out = []
    for category, rules in fired.items():
        miss = 1.0
        for rule_id in rules:
            miss *= 1.0 - lex.rules[rule_id].weight
        evidence = list(sentences_of[category])
        for ev in rules.values():  # every rule that fired shows at least one sentence
            if ev not in evidence:
                evidence.append(ev)
        subtypes = sorted({lex.rules[r].subtype for r in rules})
        out.append(Category(category, round(1.0 - miss, 4), subtypes, sorted(evidence, key=lambda e: e.start)))
    out.sort(key=lambda c: (-c.confidence, c.category))
    return out


def _entities(found, spans) -> tuple[list[Place], list[Actor], list[Weapon]]:
    # Longest match wins where phrases of one kind overlap ("Dnipro River" over "Dnipro").
    taken: dict[str, set[int]] = defaultdict(set)
    counts: dict[tuple[str, object], int] = {}
    for i, j, hit in sorted(found, key=lambda f: (f[0], -(f[1] - f[0]))):
        if hit.kind not in ("place", "actor", "weapon"):
            continue
        if any(k in taken[hit.kind] for k in range(i, j)):
            continue
        taken[hit.kind].update(range(i, j))
        key = (hit.kind, hit.ref)
        counts[key] = counts.get(key, 0) + 1
    places, actors, weapons = [], [], []
    for (kind, ref), n in counts.items():
        if kind == "place":
            places.append(Place(ref.name, ref.kind, ref.country, ref.region, ref.lat, ref.lon, n))
        elif kind == "actor":
            name, akind, role, affiliation = ref
            actors.append(Actor(name, akind, role, affiliation, n))
        else:
            weapons.append(Weapon(ref[0], ref[1], n))
    key = lambda x: (-x.mentions, x.name)  # noqa: E731
    return sorted(places, key=key), sorted(actors, key=key), sorted(weapons, key=key)


# ---------------------------------------------------------------- figures

_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(million|thousand|hundred)\b)?(?:[-\s]?(km|kilomet(?:er|re)s?|miles?)\b)?",
    re.IGNORECASE,
)
_SCALE = {"million": 1e6, "thousand": 1e3, "hundred": 1e2}
#: (kind, words that must follow the number closely, words that may precede it, words the sentence must hold)
_FIGURE_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("killed", ("killed", "dead", "died", "fatalities", "deaths", "lives", "bodies"), ("killed", "killing", "death toll of"), ()),
    ("wounded", ("wounded", "injured", "injuries", "hurt"), ("wounded", "injuring", "injured"), ()),
    ("evacuated", ("evacuated", "evacuees", "were evacuated", "have been evacuated"), ("evacuated", "evacuating"), ()),
    ("evacuated", ("people", "residents", "civilians", "children", "patients"), (), ("evacuat",)),
    ("displaced", ("fled", "displaced", "refugees", "have fled", "had fled", "flee"), ("displaced",), ()),
    ("drones", ("drones", "drone", "uavs", "shaheds"), (), ()),
    ("missiles", ("missiles", "missile", "rockets", "cruise missiles", "ballistic missiles"), (), ()),
)
_FILLER = re.compile(r"^(?:[\s,]|\b(?:more|than|over|about|around|some|nearly|almost|at|least|of|the|russian|ukrainian|"
                     r"civilians?|people|soldiers|troops|servicemen|ukrainians|russians|residents|attack|enemy|"
                     r"were|have|had|has|been|including|who)\b)*", re.IGNORECASE)


def figures(text: str, sentence_starts: list[int] | None = None) -> list[Figure]:
    """Counts the text states: killed, wounded, evacuated, displaced, drones, missiles, convoy lengths."""
    if sentence_starts is None:
        sentence_starts = [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)]
    out: list[Figure] = []
    seen: set[tuple[str, float]] = set()
    for m in _NUMBER.finditer(text):
        number, scale, unit = m.group(1), m.group(2), m.group(3)
        value = float(number.replace(",", "")) * _SCALE.get((scale or "").lower(), 1)
        s = bisect_right(sentence_starts, m.start()) - 1
        s_start = sentence_starts[s]
        sentence = text[s_start:sentence_starts[s + 1] if s + 1 < len(sentence_starts) else len(text)].lower()
        window = text[m.end():m.end() + 60].lower()
        near = window.lstrip(" ,")
        skip = _FILLER.match(window).end()
        after = window[skip:]
        before = text[max(s_start, m.start() - 20):m.start()].lower().rstrip(" ,")
        found = None
        if unit and unit.lower().startswith(("km", "kilomet")):
            if "convoy" in sentence:
                found = ("convoy_km", m.start(), m.end())
        else:
            for kind, follows, precedes, needs in _FIGURE_RULES:
                if not all(w in sentence for w in needs):
                    continue
                word = next((w for w in follows if near.startswith(w)), None)
                if word:  # "12,000 people" before "12,000 people were killed"
                    found = (kind, m.start(), m.end() + len(window) - len(near) + len(word))
                    break
                word = next((w for w in follows if after.startswith(w)), None)
                if word:
                    found = (kind, m.start(), m.end() + skip + len(word))
                    break
                word = next((w for w in precedes if before.endswith(w)), None)
                if word:
                    found = (kind, m.start() - (len(text[max(s_start, m.start() - 20):m.start()]) - len(before)) - len(word), m.end())
                    break
        if found is None:
            continue
        kind, start, end = found
        if (kind, s) in seen or (kind, value) in seen or (kind != "convoy_km" and value != int(value)):
            continue  # one figure of a kind per sentence, each value once; fractional counts are not counts
        seen.update(((kind, s), (kind, value)))
        out.append(Figure(kind, int(value) if value == int(value) else value, "km" if kind == "convoy_km" else None,
                          text[start:end], start, end))
    return out
