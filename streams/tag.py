"""Stage 2, tag: what happened, where, who, with what.

``tag(article) -> Tags`` is pure. It finds every phrase of every lexicon in
one pass over the lower-cased body with an Aho–Corasick automaton
(pyahocorasick): the event rules of ``data/tagging.toml`` (with their
context words, vetoes, negators and hypotheticals), the places of
``data/gazetteer.tsv``, the actors of ``data/actors.tsv`` and the weapons of
``data/weapons.tsv``. No regex runs per rule, so the cost grows with the text,
not with the number of rules. Figures (killed, evacuated, convoy lengths, ...)
come from one scan for numbers.
"""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from . import gazetteer
from .records import Actor, Article, Category, Evidence, Figure, Place, Tags, Weapon

DATA = Path(__file__).resolve().parent / "data"
MAX_EVIDENCE = 5  # sentences kept per category: enough to judge, small on the wire

_WORD = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"[.!?…][\"”’»)]*\s+(?=[\"“‘«(]?[A-Z0-9])|\n+")


def _forms(word: str) -> set[str]:
    """A word and its regular plural or singular: lexicons list one form, texts use both."""
    forms = {word}
    if not word[-1:].isalpha() or len(word) < 3:
        return forms
    if word.endswith("ies") and len(word) > 4:
        forms.add(word[:-3] + "y")
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        forms.add(word[:-1])
    elif word.endswith("y") and word[-2:-1] not in "aeiou":
        forms.add(word[:-1] + "ies")
    elif word.endswith(("sh", "ch", "x")):
        forms.add(word + "es")
    else:
        forms.add(word + "s")
    return forms


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    subtype: str
    weight: float
    has_context: bool


@dataclass(frozen=True, slots=True)
class Hit:
    """What a lexicon phrase means: kind is cue, context, veto, negator, hypothetical, place, actor or weapon."""

    kind: str
    ref: object
    surface: str  # the phrase as written in the lexicon
    exact: str | None = None  # set for short acronyms (US, UN, EU, KAB): the text must match in capitals


@dataclass(slots=True)
class Lexicon:
    version: str
    window: int
    automaton: ahocorasick.Automaton
    rules: dict[str, Rule]


def _tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _variants(row: list[str], first: int) -> tuple[str, ...]:
    return (row[0], *(v for v in (row[first] if len(row) > first else "").split(";") if v))


@functools.cache
def lexicon() -> Lexicon:
    cfg = tomllib.loads((DATA / "tagging.toml").read_text(encoding="utf-8"))
    phrases: dict[str, list[Hit]] = defaultdict(list)

    def add(phrase: str, hit: Hit, inflect: bool = True) -> None:
        if _is_acronym(phrase):
            hit = Hit(hit.kind, hit.ref, hit.surface, phrase)
        options = [_forms(w) if inflect else {w} for w in phrase.lower().split()]
        for combo in itertools.product(*options):
            phrases[" ".join(combo)].append(hit)

    for word in cfg["negators"]:
        add(word, Hit("negator", None, word), inflect=False)
    for word in cfg["hypothetical"]:
        add(word, Hit("hypothetical", None, word), inflect=False)
    for category, words in cfg["vetoes"].items():
        for p in words:
            add(p, Hit("veto", category, p))
    rules = {}
    for r in cfg["rule"]:
        rule = Rule(r["id"], r["category"], r["subtype"], float(r["weight"]), bool(r.get("context")))
        rules[rule.id] = rule
        for p in r["cues"]:
            add(p, Hit("cue", rule, p))
        for p in r.get("context", ()):
            add(p, Hit("context", rule.id, p))
    for e in gazetteer.entries():
        for p in (e.name, *e.variants):
            add(p, Hit("place", e, p), inflect=False)
    for row in _tsv("actors.tsv"):
        actor = (row[0], row[1], row[2] or None, row[3] or None)
        for p in _variants(row, 4):
            add(p, Hit("actor", actor, p), inflect=False)
    for row in _tsv("weapons.tsv"):
        for p in _variants(row, 2):
            add(p, Hit("weapon", (row[0], row[1]), p))

    automaton = ahocorasick.Automaton()
    for key, hits in phrases.items():
        automaton.add_word(key, (len(key), tuple(dict.fromkeys(hits))))
    automaton.make_automaton()
    return Lexicon(cfg["version"], cfg["window"], automaton, rules)


def _is_acronym(surface: str) -> bool:
    letters = surface.replace(".", "")
    return len(letters) <= 4 and letters.isupper()


def _find(lex: Lexicon, text: str) -> list[tuple[int, int, Hit]]:
    """Every lexicon phrase in the text, as (start, end, hit): whole words, one pass."""
    lowered = text.lower()
    n = len(lowered)
    found = []
    for last, (length, hits) in lex.automaton.iter(lowered):
        start, end = last - length + 1, last + 1
        if (start and lowered[start - 1].isalnum()) or (end < n and lowered[end].isalnum()):
            continue  # inside a longer word
        for hit in hits:
            if hit.exact is None or text[start:end] == hit.exact:
                found.append((start, end, hit))
    return found


def tag(article: Article) -> Tags:
    """Categories with confidence and evidence, plus places, actors, weapons and figures."""
    lex = lexicon()
    text = article.body
    sentence_starts = [0] + [m.end() for m in _SENTENCE_BREAK.finditer(text)]
    found = _find(lex, text)
    places, actors, weapons = _entities(found)
    return Tags(
        taxonomy_version=lex.version,
        categories=_categories(lex, text, sentence_starts, found),
        places=places,
        actors=actors,
        weapons=weapons,
        figures=figures(text, sentence_starts),
    )


def _categories(lex: Lexicon, text: str, sentence_starts: list[int], found) -> list[Category]:
    by_sentence: dict[int, list[tuple[int, int, Hit]]] = defaultdict(list)
    for start, end, hit in found:
        if hit.kind in ("cue", "context", "veto", "negator", "hypothetical"):
            by_sentence[bisect_right(sentence_starts, start) - 1].append((start, end, hit))

    fired: dict[str, dict[str, Evidence]] = defaultdict(dict)  # category → rule id → first evidence
    sentences_of: dict[str, list[Evidence]] = defaultdict(list)
    for s, hits in sorted(by_sentence.items()):
        vetoed = {h.ref for _, _, h in hits if h.kind == "veto"}
        contexts = {h.ref for _, _, h in hits if h.kind == "context"}
        guards = [end for _, end, h in hits if h.kind in ("negator", "hypothetical")]
        for start, end, h in hits:
            if h.kind != "cue":
                continue
            rule: Rule = h.ref
            if rule.category in vetoed or (rule.has_context and rule.id not in contexts):
                continue
            if any(g <= start and len(_WORD.findall(text, g, start)) < lex.window for g in guards):
                continue  # "no evacuation", "could strike": within `window` words before the cue
            s_start = sentence_starts[s]
            s_end = sentence_starts[s + 1] if s + 1 < len(sentence_starts) else len(text)
            sentence = text[s_start:s_end].rstrip()
            ev = Evidence(rule.id, text[start:end], sentence, s_start, s_start + len(sentence))
            fired[rule.category].setdefault(rule.id, ev)
            if len(sentences_of[rule.category]) < MAX_EVIDENCE and all(
                e.start != s_start for e in sentences_of[rule.category]
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


def _entities(found) -> tuple[list[Place], list[Actor], list[Weapon]]:
    # Longest match wins where phrases of one kind overlap ("Dnipro River" over "Dnipro").
    reached: dict[str, int] = {"place": -1, "actor": -1, "weapon": -1}  # end of the last match kept
    counts: dict[tuple[str, object], int] = {}
    entities = [f for f in found if f[2].kind in reached]
    entities.sort(key=lambda f: (f[0], f[0] - f[1]))
    for start, end, hit in entities:
        if start < reached[hit.kind]:
            continue
        reached[hit.kind] = end
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

_NUMBER = re.compile(  # starts with \d so the scan is fast; the character before is checked in figures()
    r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(million|thousand|hundred)\b)?(?:[-\s]?(km|kilomet(?:er|re)s?|miles?)\b)?",
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
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in ".,"):
            continue  # the tail of "A-50", "1.5", "2,5"
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
