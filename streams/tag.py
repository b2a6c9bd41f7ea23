"""Stage 2, tag: what happened, where, who, with what.

``tag(article) -> Tags`` is pure. One Aho–Corasick pass over a folded copy of
the body finds every phrase of every lexicon at once: the
event rules of ``data/tagging.toml`` with their context words, masks, vetoes,
negators, hypotheticals and habituals; the places of the gazetteer
(``data/gazetteer.tsv`` and GeoNames, see ``streams.gazetteer``); the actors of
``data/actors.tsv`` and the titles that introduce other people; the weapons of
``data/weapons.tsv``; number words and the words figures hang on.

The folded copy has one character per character of the body (letters
lower-cased, every other character a space), so offsets carry over unchanged
and every phrase is matched on whole words: phrases are stored as
``" phrase "``. No regular expression runs per rule; the few that run (a number,
a name after a title, a clause break) are anchored or run over a few words, and
have no nested quantifiers, so they cannot backtrack catastrophically.
On the pure-Python path, sentence breaks come from one regex led by a literal ("." on the translated bytes)
and ``bytes.find``; the native pass finds the same breaks in its loop.

Speed: the pass is native where ``streams/_scan.c`` was built (one C loop folds
the text, runs the automaton as a DFA over the 37-symbol folded alphabet and
finds the sentence starts, then files each match by kind for the steps below,
where Python would loop once per match); otherwise pyahocorasick, ``bytes.translate``
and a regex do the same in three passes and ``_scan`` files the matches. Everything
after the pass runs only where a cue, an entity or a number was found
(``python -m streams.tag`` measures µs per article).

Deciding that a sentence reports an event, not a mention, is the rules'
business: a cue fires unless a mask covers it ("hunger strike"), the sentence
holds a veto of its category, a required context word is missing, a negator
stands just before it ("no evacuation was ordered") or a negating phrase just
after it ("evacuation was not needed"), a hypothetical marker opens its clause
("could strike", "if talks were to happen"), or a habitual marker stands next
to it ("shelled almost daily").
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable

import ahocorasick

from . import classify, gazetteer
from .classify import Classifier
from .records import Actor, Article, Category, Evidence, Figure, Place, SubtypeInfo, Tags, Weapon

try:  # the native pass (streams/_scan.c); without a C compiler at install time, the pure-Python one below
    from ._scan import KINDS as _NATIVE_KINDS
    from ._scan import Scanner as _NativeScanner
except ImportError:
    _NativeScanner, _NATIVE_KINDS = None, ()

DATA = Path(__file__).resolve().parent / "data"
MAX_EVIDENCE = 5  # sentences kept per category: enough to judge, small on the wire

#: Folding table: ASCII letters lower-cased, digits kept, every other byte (and '?' from a
#: non-ASCII character, see fold()) a space. One output character per input character.
_FOLD = bytes((c | 0x20) if (65 <= c <= 90 or 97 <= c <= 122) else c if 48 <= c <= 57 else 32 for c in range(256))
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]–—]| - | but | while | whereas | although ")
_NAME = re.compile(r" ((?:[A-Z][a-zà-ÿ'’]+|[A-Z]{2}|[A-Z]\.)(?:[ -](?:[A-Z][a-zà-ÿ'’]+|[A-Z]{2})){1,2})\b")


def fold(text: str) -> str:
    """Lower-cased letters and digits, everything else a space; same length as ``text``."""
    return text.encode("ascii", "replace").translate(_FOLD).decode("ascii")


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


# hit kinds (small ints: compared in the hot loop; streams/_scan.c files them in this order too)
KINDS = ("CUE", "CONTEXT", "MASK", "VETO", "GATE", "NEG", "NEG_AFTER", "HYP", "HABIT", "UNGUARD", "PLACE", "ACTOR",
         "WEAPON", "TITLE", "NUMBER", "FIGWORD")
CUE, CONTEXT, MASK, VETO, GATE, NEG, NEG_AFTER, HYP, HABIT, UNGUARD, PLACE, ACTOR, WEAPON, TITLE, NUMBER, FIGWORD = range(16)


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    id: str
    category: str
    subtype: str
    weight: float
    has_context: bool
    context_after: int = 0  # how many words may stand between a cue and one of its `addressees`
    addressee_bit: int = -1  # the bit of its `addressees` in a context mask (-1: it has none)


@dataclass(frozen=True, slots=True)
class Subtype:
    id: str
    feed: str
    label: str
    acled: str | None
    cameo: str | None
    note: str | None


@dataclass(slots=True)
class FigureRules:
    fillers: frozenset[str]
    people: frozenset[str]
    subset: frozenset[str]  # one or two words
    not_counts_after: frozenset[str]  # "no" one, "the" one
    after: dict[str, tuple]  # first word → ((words after the number, kind), ...), longest first
    before: dict[str, tuple]  # last word → ((words before the number, kind), ...), longest first
    before_people: dict[str, tuple]  # the same, for words that count only before people ("drove 64 residents")
    scope_before: dict[str, tuple]  # the size of an order named nearby: "it concerns 200 persons"
    scope_after: dict[str, tuple]  # "2,100 residents are affected"
    max_after: int
    people_by_sentence: tuple[tuple[str, str], ...]  # (sentence mark, kind) for "N people" alone
    needs: dict[str, str]  # kind → the sentence mark it needs
    first_only: frozenset[str]  # kinds whose first figure in the text is the only one kept
    units: dict[str, str]  # word after a number → unit ("km")
    scale: dict[str, float]
    tolls: tuple[tuple[str, str], ...] = ()  # (" folded phrase ", kind): a total named before its number
    toll_verbs: tuple[str, ...] = ()  # " folded verb ": what stands between that name and the number
    running: frozenset[str] = frozenset()  # kinds a live blog restates as running totals
    events: dict[str, str] = field(default_factory=dict)  # kind → the category whose event it counts


@dataclass(slots=True)
class Lexicon:
    version: str
    taxonomy_version: str
    window: int
    phrases: dict[str, tuple]  # " folded phrase " → (length, context mask, other hits): what the pass looks for
    scan: Callable[[str], tuple[str, Iterable, list[int]]]  # text → (folded, matches, sentence starts)
    rules: tuple[Rule, ...]
    subtypes: dict[str, Subtype]
    place_senses: dict[str, tuple[tuple[str, ...], tuple[str, ...], object]]
    figures: FigureRules
    categories: tuple[str, ...]
    rules_by_id: dict[str, Rule]
    subtype_info: dict[str, SubtypeInfo]
    place_names: frozenset[str]  # folded, for telling "Kyivskyi district" from a place
    not_addressee: frozenset[str] = frozenset()  # words that cannot stand between a cue and its addressee
    addressees: dict = None  # rule index → (its folded context phrases, most words in one, their first words)
    requires: frozenset[str] = frozenset()  # categories that fire only in a text holding one of their `requires`
    classifier: Classifier | None = None  # the learned second opinion (streams/classify.py); None: rules alone
    file: Callable[[str], tuple[str, Scan]] | None = None  # the native pass with its own filing (see _filer)


def _tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _variants(row: list[str], first: int) -> tuple[str, ...]:
    return (row[0], *(v for v in (row[first] if len(row) > first else "").split(";") if v))


def _is_acronym(surface: str) -> bool:
    letters = surface.replace(".", "")
    return len(letters) <= 4 and letters.isupper()


def taxonomy() -> tuple[str, dict[str, Subtype], dict[str, str]]:
    """(version, subtype id → Subtype, feed → description) from data/taxonomy.toml."""
    cfg = tomllib.loads((DATA / "taxonomy.toml").read_text(encoding="utf-8"))
    subtypes = {}
    for feed, spec in cfg["feed"].items():
        for s in spec["subtype"]:
            subtypes[s["id"]] = Subtype(s["id"], feed, s["label"], s.get("acled") or None, s.get("cameo") or None,
                                        s.get("note") or None)
    return cfg["version"], subtypes, {f: spec["description"] for f, spec in cfg["feed"].items()}


@functools.cache
def lexicon() -> Lexicon:
    cfg = tomllib.loads((DATA / "tagging.toml").read_text(encoding="utf-8"))
    taxonomy_version, subtypes, feeds = taxonomy()
    phrases: dict[str, list[tuple]] = {}

    def add(phrase: str, kind: int, ref: object = None, inflect: bool = True, upper: bool = False) -> None:
        # check: None, True (the text must start with a capital) or the exact text (acronyms: US, UN, KAB)
        if phrase.startswith("="):  # "=foreign ministers": only as written, not "foreign minister"
            phrase, inflect = phrase[1:], False
        check = phrase if _is_acronym(phrase) else True if upper else None
        options = [_forms(w) if inflect else {w} for w in phrase.lower().split()]
        for combo in itertools.product(*options):
            key = fold(" ".join(combo))
            if key.strip():
                phrases.setdefault(key, []).append((kind, ref, check))

    for word in cfg["negators"]:
        add(word, NEG, inflect=False)
    for word in cfg["negated_after"]:
        add(word, NEG_AFTER, inflect=False)
    for word in cfg["hypothetical"]:
        add(word, HYP, inflect=False)
    for word in cfg["habitual"]:
        add(word, HABIT, inflect=False)
    for word in cfg["unguard"]:
        add(word, UNGUARD, inflect=False)
    for category, words in cfg["masks"].items():
        for p in words:
            add(p, MASK, category)
    for category, words in cfg["vetoes"].items():
        for p in words:
            for c in (feeds if category == "all" else (category,)):
                add(p, VETO, c)

    rules: list[Rule] = []
    context_of: dict[str, list[int]] = {}
    with_addressees = [r for r in cfg["rule"] if r.get("addressees")]
    for r in cfg["rule"]:
        # a rule's context words set its bit in a context mask; its addressees, a bit after all the rules' bits
        bit = len(cfg["rule"]) + with_addressees.index(r) if r.get("addressees") else -1
        rule = Rule(len(rules), r["id"], r["category"], r["subtype"], float(r["weight"]),
                    bool(r.get("context") or r.get("addressees")), int(r.get("context_after", 0)), bit)
        if rule.subtype not in subtypes or subtypes[rule.subtype].feed != rule.category:
            raise ValueError(f"rule {rule.id}: subtype {rule.subtype!r} is not a {rule.category} subtype in taxonomy.toml")
        rules.append(rule)
        for p in r["cues"]:
            add(p, CUE, rule)
        for p in r.get("context", ()):
            context_of.setdefault(p, []).append(rule.index)
        for p in r.get("addressees", ()):
            context_of.setdefault(p, []).append(bit)
    # "@weapon", "@state", ...: every name the lexicons have for such an entity is a context word
    marker_phrases: dict[str, list[tuple[str, bool]]] = {"weapon": [], "place": []}
    for row in _tsv("weapons.tsv"):
        marker_phrases["weapon"] += [(p, True) for p in _variants(row, 2)]
    for row in _tsv("actors.tsv"):
        marker_phrases.setdefault(row[1], []).extend((p, False) for p in _variants(row, 4))
    marker_phrases["ukraine_place"] = []
    for e in gazetteer.entries():
        marker_phrases["place"] += [(p, False) for p in (e.name, *e.variants)]
        if e.country == "UA":
            marker_phrases["ukraine_place"] += [(p, False) for p in (e.name, *e.variants)]

    def add_marked(phrase: str, kind: int, ref: object) -> None:
        for p, inflect in marker_phrases[phrase[1:]] if phrase.startswith("@") else [(phrase, True)]:
            add(p, kind, ref, inflect=inflect)

    for category, words in cfg.get("requires", {}).items():
        for p in words:
            add_marked(p, GATE, category)
            if p == "@ukraine_place":  # and GeoNames' Ukrainian towns of 10,000 or more, written as names
                for e in gazetteer.places():
                    if e.country == "UA" and not e.curated and (e.population or 0) >= 10_000:
                        for name in (e.name, *e.variants):
                            add(name, GATE, category, inflect=False, upper=True)
    for p, indices in context_of.items():
        add_marked(p, CONTEXT, _mask(indices))

    for e in gazetteer.places():
        for p in (e.name, *e.variants):
            add(p, PLACE, e, inflect=False, upper=not e.curated)
        for p in e.strict:
            add(p, PLACE, e, inflect=False, upper=True)
    by_name = {e.name: e for e in gazetteer.entries()}
    senses = {}
    for sense in cfg.get("place_sense", ()):
        senses[sense["name"]] = (tuple(f" {fold(w)} " for w in sense["preceded_by"]),
                                 tuple(f" {fold(w)} " for w in sense.get("unless_followed_by", ())),
                                 by_name[sense["resolves_to"]])
    for row in _tsv("actors.tsv"):
        actor = (row[0], row[1], row[2] or None, row[3] or None)
        for p in _variants(row, 4):
            add(p, ACTOR, actor, inflect=False, upper=row[1] == "person")
    for title in cfg["titles"]:
        add(title, TITLE, title, inflect=False)
    for row in _tsv("weapons.tsv"):
        weapon = (row[0], row[1])
        for p in _variants(row, 2):  # "Hawk", "Tor", "Neptune": a capitalised name must be capitalised in the text
            add(p, WEAPON, weapon, upper=p[:1].isupper())

    fig = cfg["figures"]
    for word, value in _number_words(fig).items():
        add(word, NUMBER, value, inflect=False)
    for mark, words in fig["marks"].items():
        for p in words:
            add(p, FIGWORD, mark, inflect=False)

    addressees = {}
    for rule in rules:
        if rule.addressee_bit >= 0:
            keys = frozenset(k for k, hits in phrases.items() if any(h[0] == CONTEXT and h[1] >> rule.addressee_bit & 1
                                                                    for h in hits))
            addressees[rule.index] = (keys, max(len(k.split()) for k in keys), frozenset(k.split()[0] for k in keys))
    keys: dict[str, tuple] = {}
    for key, hits in phrases.items():
        # A phrase's value: (length, context, other hits). Its context is one bit mask, whatever the rules and
        # markers ("@weapon", "drone") that made it a context word, or 0. Most matched phrases are only context
        # words: _scan files them without a loop.
        context = functools.reduce(operator.or_, (h[1] for h in hits if h[0] == CONTEXT), 0)
        keys[f" {key} "] = (len(key), context, tuple(dict.fromkeys(h for h in hits if h[0] != CONTEXT)))
    for digit in "0123456789":  # the first digit of every number (no trailing space: start = end)
        keys[f" {digit}"] = (0, 0, ((NUMBER, None, None),))

    def split(words) -> dict[tuple[str, ...], str]:
        return {tuple(fold(w).split()): kind for kind, ws in words.items() for w in ws}

    after, before = _index(split(fig["after"]), 0), _index(split(fig["before"]), -1)
    figures = FigureRules(
        fillers=frozenset(fold(" ".join(fig["fillers"])).split()),
        people=frozenset(p for w in fig["people"] for p in _forms(w)),
        subset=frozenset(" ".join(fold(w).split()) for w in fig["subset"]),
        not_counts_after=frozenset(fig["not_counts_after"]),
        after=after,
        before=before,
        before_people=_index(split(fig.get("before_people", {})), -1),
        scope_before=_index(split(fig.get("scope", {})), -1),
        scope_after=_index(split(fig.get("scope", {})), 0),
        max_after=int(fig["max_after"]),
        people_by_sentence=tuple((m, k) for m, k in fig["people_by_sentence"]),
        needs=dict(fig.get("needs", {})),
        first_only=frozenset(fig.get("first_only", ())),
        units={w: unit for unit, ws in fig["units"].items() for w in ws},
        scale={w: float(v) for w, v in fig["scale"].items()},
        tolls=tuple((f" {' '.join(fold(p).split())} ", kind) for kind, ps in fig.get("toll", {}).items() for p in ps),
        toll_verbs=tuple(f" {' '.join(fold(v).split())} " for v in fig.get("toll_verbs", ())),
        running=frozenset(fig.get("running_totals", ())),
        events=dict(fig.get("events", {})),
    )
    scan = scanner(keys)
    return Lexicon(cfg["version"], taxonomy_version, int(cfg["window"]), keys, scan, tuple(rules), subtypes,
                   senses, figures, tuple(feeds), {r.id: r for r in rules},
                   {k: SubtypeInfo(v.id, v.label, v.acled, v.cameo) for k, v in subtypes.items()},
                   frozenset(k for k, hits in phrases.items() if any(h[0] == PLACE for h in hits)),
                   frozenset(fold(w).strip() for w in cfg.get("not_addressee", ())), addressees,
                   frozenset(cfg.get("requires", {})), classify.classifier(), _filer(scan))


def _index(phrases: dict[tuple[str, ...], str], at: int) -> dict[str, tuple]:
    out: dict[str, list] = {}
    for phrase, kind in sorted(phrases.items(), key=lambda p: -len(p[0])):
        out.setdefault(phrase[at], []).append((phrase, kind))
    return {k: tuple(v) for k, v in out.items()}


def _mask(indices) -> int:
    """Rule indices as a bit mask: a sentence's contexts are OR-ed together in C (functools.reduce)."""
    return functools.reduce(operator.or_, (1 << i for i in indices), 0)


def _number_words(fig: dict) -> dict[str, float]:
    units = {w: i for i, w in enumerate(fig["number_words"]["units"], start=1)}
    tens = {w: 10 * i for i, w in enumerate(fig["number_words"]["tens"], start=2)}
    out: dict[str, float] = {**units, **tens}
    for t, tv in tens.items():
        for u, uv in units.items():
            if uv < 10:
                out[f"{t} {u}"] = tv + uv  # "thirty-eight" folds to "thirty eight"
    return out


# ---------------------------------------------------------------- the pass

_BREAK_TABLE = bytes.maketrans(b"!?)\"'", b".....")  # sentence-final marks and closing quotes all become "."
_SENTENCE_BREAK = re.compile(rb"\. +(?=[A-Z0-9.(])")  # a break, its spaces, then a capital, a digit, "." or "("
_MATCH_END = operator.methodcaller("end")
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def scanner(keys: dict[str, tuple], native: bool | None = None) -> Callable[[str], tuple[str, Iterable, list[int]]]:
    """The one pass over a text: ``text → (folded, matches, sentence starts)``, where ``matches`` gives every key
    found in ``" " + folded + " "`` as ``(offset of its last character, value)``, in text order, longest first at
    one offset. Native (``streams._scan``: one C loop over a DFA) when it was built, else pure Python:
    pyahocorasick, ``bytes.translate`` and a regex. Both give the same output (tests/unit/test_scan.py)."""
    if native is None:
        native = _NativeScanner is not None
    if native:
        return _NativeScanner(list(keys), list(keys.values())).scan
    automaton = ahocorasick.Automaton()
    for key, value in keys.items():
        automaton.add_word(key, value)
    automaton.make_automaton()

    def scan(text: str) -> tuple[str, Iterable, list[int]]:
        ascii_text = text.encode("ascii", "replace")  # encoded once: the folded copy and the sentence breaks need it
        folded = ascii_text.translate(_FOLD).decode("ascii")
        return folded, automaton.iter(f" {folded} "), _sentence_starts(text, ascii_text)

    return scan


def _filer(scan: Callable) -> Callable[[str], tuple[str, Scan]] | None:
    """``text → (folded, Scan)`` in one native call, where ``scan`` is the native pass (streams/_scan.c files the
    matches by kind as ``_scan`` does, saving the Python loop per match); None on the pure-Python path."""
    native = getattr(scan, "__self__", None)
    if not isinstance(native, _NativeScanner or ()) or tuple(_NATIVE_KINDS) != KINDS:
        return None
    scan_filed = native.scan_filed

    def file(text: str) -> tuple[str, Scan]:
        folded, breaks, *filed = scan_filed(text)
        return folded, Scan(breaks, *filed)

    return file


def _pass(lex: Lexicon, text: str) -> tuple[str, Scan]:
    if lex.file is not None:
        return lex.file(text)
    folded, matches, breaks = lex.scan(text)
    return folded, _scan(text, matches, breaks)


@functools.cache
def pure_python_lexicon() -> Lexicon:
    """``lexicon()`` with the pure-Python pass, whether or not the native one was built (tests, benchmark)."""
    lex = lexicon()
    return replace(lex, scan=scanner(lex.phrases, native=False), classifier=classify.read(native=False), file=None)


def scanner_kind() -> str:
    """"native" or "pure-python": which pass ``tag`` runs here (the worker logs it, the benchmark prints it)."""
    return "native" if _NativeScanner is not None and classify.native() else "pure-python"


def tag(article: Article, lex: Lexicon | None = None) -> Tags:
    """Categories with confidence and evidence, plus places, actors, weapons and figures. ``lex`` is the
    lexicon to use (default: ``lexicon()``, the rules in data/)."""
    lex = lex or lexicon()
    text = article.body
    folded, scan = _pass(lex, text)
    breaks = scan.breaks
    places, actors, weapons = _entities(lex, text, folded, scan.entities)
    categories = _categories(lex, text, folded, scan)
    if lex.classifier is not None:
        categories = _second_opinion(lex.classifier, categories, text, folded, breaks)
    return Tags(
        taxonomy_version=lex.taxonomy_version,
        rules_version=lex.version,
        categories=categories,
        places=places,
        actors=actors,
        weapons=weapons,
        figures=_event_figures(lex.figures, _figures(lex, text, folded, scan), categories),
        classifier_version=lex.classifier.version if lex.classifier is not None else None,
    )


def _event_figures(rules: FigureRules, figs: list[Figure], categories: list[Category]) -> list[Figure]:
    """The figures of events the article reports: a count of evacuees in a drill or of injured in a road
    accident is a number, not a figure of the war (tests/corpus/README.md, figure conventions)."""
    fired = {c.category for c in categories}
    return [f for f in figs if f.kind not in rules.events or rules.events[f.kind] in fired]


def _second_opinion(model: Classifier, categories: list[Category], text: str, folded: str,
                    breaks: list[int]) -> list[Category]:
    """The classifier's word on the rules' categories: it caps one it doubts (probability at or below
    ``keep_above``) and adds one the rules missed (above ``route_above``), with its strongest sentence."""
    judged = model.judge(folded, classify.WINDOW_CHARS, classify.MIN_CHARS)
    if judged is None:
        return categories  # too short for the classifier: the rules alone
    changed = False
    for c in categories:
        p = c.classifier_probability = round(judged[model.position[c.category]], 4)
        if p <= model.keep_above:
            c.confidence = min(p, c.confidence)
            changed = True
    if max(judged) > model.route_above:
        fired = {c.category for c in categories}
        for category, p in zip(model.classes, judged):
            if category not in fired and p > model.route_above:
                p = round(p, 4)
                start, end, cue_start, cue_end = model.strongest(category, text, folded, breaks)
                evidence = Evidence(classify.RULE_ID, text[cue_start:cue_end], text[start:end], start, end,
                                    cue_start, cue_end, p)
                categories.append(Category(category, p, [], [evidence], [classify.RULE_ID], [], p))
                changed = True
    if changed:
        categories.sort(key=_by_confidence)
    return categories


def _sentence_starts(text: str, ascii_text: bytes | None = None) -> list[int]:
    """Offsets where sentences start: after . ! ? … (and closing quotes) and spaces, before a capital, a
    digit or an opening bracket; and after line breaks. On the translated bytes every break is a ".", so
    one regex that opens with that literal finds them (the engine skips ahead with a fast search; a
    pattern opening with a character class costs more than the whole tagging pass)."""
    if ascii_text is None:
        ascii_text = text.encode("ascii", "replace")
    b = ascii_text.translate(_BREAK_TABLE)  # one byte per character, so offsets carry over
    out = [0]
    out += map(_MATCH_END, _SENTENCE_BREAK.finditer(b))
    find = b.find
    n = len(b)
    i = find(b"\n")
    if i >= 0:
        while i >= 0:
            j = i + 1
            while j < n and b[j] == 10:
                j += 1
            out.append(j)
            i = find(b"\n", j)
        out.sort()  # a sentence break follows a space, a line break a "\n": no offset comes twice
    return out


@dataclass(slots=True)
class Scan:
    """The matches of one pass, by kind; positions are the automaton's: ``last`` is the end of the phrase + 1."""

    breaks: list[int]
    cues: list  # (last, length, rule, check)
    context_at: list  # last of each context phrase
    context_rules: list  # its rules, as a bit mask
    vetoes: list  # (last, category)
    gates: set  # categories whose `requires` phrases the text holds
    guards: list  # (start, end, kind): negators, hypotheticals, habituals, unguards
    masks: list  # (start, end, category)
    entities: list  # (start, -length, kind, ref): those whose case check passed
    numbers: list  # (last, length, value or None for the first digit of a number)
    marks: list  # (last, figure mark)


def _scan(text: str, matches: Iterable, breaks: list[int]) -> Scan:
    """The one pass: every lexicon phrase in the text, sorted into what each later step needs.

    This loop runs once per match and, in Python, costs more per match than the automaton does:
    it only files each match; everything else waits until it is known to be needed. The native pass
    files them in C instead (``Scanner.scan_filed``, held equal to this by tests/unit/test_scan.py)."""
    cues, masks, guards, vetoes, entities, numbers, marks = [], [], [], [], [], [], []
    context_at, context_rules, gates = [], [], set()
    add_context_at, add_context_rules = context_at.append, context_rules.append
    add_entity, add_cue = entities.append, cues.append
    for last, (length, context, hits) in matches:
        if context:
            add_context_at(last)
            add_context_rules(context)
            if not hits:
                continue
        for kind, ref, check in hits:
            if kind >= PLACE:
                if kind <= TITLE:
                    start = last - 1 - length
                    if check is None or _case_ok(text, start, last - 1, check):
                        add_entity((start, -length, kind, ref))
                elif kind == NUMBER:
                    numbers.append((last, length, ref))
                else:
                    marks.append((last, ref))
            elif kind == CUE:
                add_cue((last, length, ref, check))
            elif kind == VETO:
                vetoes.append((last, ref))
            elif kind == GATE:
                if check is None or _case_ok(text, last - 1 - length, last - 1, check):
                    gates.add(ref)
            elif kind == MASK:
                masks.append((last - 1 - length, last - 1, ref))
            else:
                guards.append((last - 1 - length, last - 1, kind))
    return Scan(breaks, cues, context_at, context_rules, vetoes, gates, guards, masks, entities, numbers, marks)


def _categories(lex: Lexicon, text: str, folded: str, scan: Scan) -> list[Category]:
    if not scan.cues:
        return []
    breaks = scan.breaks
    n_breaks = len(breaks)
    vetoes = {(bisect_right(breaks, last - 2) - 1, category) for last, category in scan.vetoes} if scan.vetoes else ()
    guards = unguards = None  # filed by sentence only once a cue gets that far (in many texts none does)
    masks: dict[str, tuple[list[int], list[int]]] = {}  # category → its masks' starts, sorted, and the furthest
    if scan.masks:                                      # end among the masks up to each: one bisect per cue
        spans: dict[str, list] = {}
        for m0, m1, c in scan.masks:
            spans.setdefault(c, []).append((m0, m1))
        for c, found in spans.items():
            found.sort()
            masks[c] = ([m0 for m0, _ in found], list(itertools.accumulate((m1 for _, m1 in found), max)))
    contexts: dict[int, int] = {}  # sentence → bit mask of the rules whose context words it holds (filled lazily)
    anywhere = functools.reduce(operator.or_, scan.context_rules, 0)  # the same for the whole text

    fired: dict[str, dict[str, Evidence]] = {}  # category → rule id → first evidence
    sentences_of: dict[str, list[Evidence]] = {}
    shown: dict[str, set[int]] = {}  # category → sentences already given as evidence
    for last, length, rule, check in scan.cues:
        end = last - 1
        start = end - length
        s = bisect_right(breaks, start) - 1
        category = rule.category
        if category in lex.requires and category not in scan.gates:
            continue  # diplomacy in an article about another war or none
        rules = fired.get(category)
        if rules is not None and rule.id in rules:
            seen = shown[category]
            if s in seen or len(seen) >= MAX_EVIDENCE:
                continue  # this cue could add nothing: its rule fired and its sentence is shown or not wanted
        if check is not None and text[start:end] != check:
            continue
        if rule.has_context:
            if not anywhere >> rule.index & 1 and not (rule.addressee_bit >= 0 and anywhere >> rule.addressee_bit & 1):
                continue  # none of the rule's context words anywhere: no need to look at the sentence
            found = contexts.get(s)
            if found is None:
                positions = scan.context_at
                lo = bisect_right(positions, breaks[s])
                hi = bisect_right(positions, breaks[s + 1]) if s + 1 < n_breaks else len(positions)
                found = contexts[s] = functools.reduce(operator.or_, scan.context_rules[lo:hi], 0)
            if not found >> rule.index & 1 and not (
                    rule.addressee_bit >= 0 and found >> rule.addressee_bit & 1
                    and _addressed(lex, text, folded, rule, end, breaks[s + 1] if s + 1 < n_breaks else len(text))):
                continue
        if vetoes and (s, category) in vetoes:
            continue
        mask = masks.get(category)
        if mask is not None:
            i = bisect_left(mask[0], end)  # the masks that start before the cue ends: does one reach past its start?
            if i and mask[1][i - 1] > start:
                continue
        if scan.guards:
            if guards is None:
                guards, unguards = {}, []
                for g in scan.guards:
                    if g[2] == UNGUARD:
                        unguards.append(g)
                    else:
                        guards.setdefault(bisect_right(breaks, g[0]) - 1, []).append(g)
            if s in guards and _guarded(lex, text, folded, start, end, guards[s], unguards):
                continue
        if rules is None:
            rules = fired[category] = {}
            kept = sentences_of[category] = []
            seen = shown[category] = set()
        else:
            kept = sentences_of[category]
            seen = shown[category]
        new_sentence = s not in seen and len(seen) < MAX_EVIDENCE
        s_start = breaks[s]
        s_end = breaks[s + 1] if s + 1 < n_breaks else len(text)
        sentence = text[s_start:s_end].rstrip()
        ev = Evidence(rule.id, text[start:end], sentence, s_start, s_start + len(sentence), start, end, rule.weight)
        if rule.id not in rules:
            rules[rule.id] = ev
        if new_sentence:
            kept.append(ev)
            seen.add(s)

    out = []
    for category, rules in fired.items():
        miss = 1.0
        for ev in rules.values():
            miss *= 1.0 - ev.weight
        evidence = sentences_of[category]
        shown = {id(e) for e in evidence}
        for ev in rules.values():  # every rule that fired shows at least one sentence
            if id(ev) not in shown:
                evidence.append(ev)
        subtypes = sorted({lex.rules_by_id[r].subtype for r in rules})
        evidence.sort(key=_by_start)
        out.append(Category(category, round(1.0 - miss, 4), subtypes, evidence, sorted(rules),
                            [lex.subtype_info[st] for st in subtypes]))
    out.sort(key=_by_confidence)
    return out


def _addressed(lex: Lexicon, text: str, folded: str, rule: Rule, end: int, s_end: int) -> bool:
    """Does one of the rule's addressees follow the cue ending at ``end`` within ``rule.context_after``
    words, in the same clause ("warned Berlin", "called on Western governments"; not "told reporters in Kyiv")?
    Read off the words after the cue: cheaper than looking the context matches up again."""
    keys, most_words, first_words = lex.addressees[rule.index]
    limit = rule.context_after
    words = folded[end:min(s_end, end + 24 * (limit + most_words))].split(None, limit + most_words)
    for k in range(min(limit + 1, len(words))):
        word = words[k]
        if word in first_words:
            for n in range(min(most_words, len(words) - k), 0, -1):
                if " ".join(words[k:k + n]) in keys:
                    at = end
                    for w in words[:k + 1]:  # where the addressee starts: no clause break may stand before it
                        at = folded.index(w, at) + len(w)
                    return not _ADDRESS_BREAK.search(text, end, at - len(word))
        if word in lex.not_addressee:
            return False
    return False


_ADDRESS_BREAK = re.compile(r"[,;:()\[\]–—.]| - ")


def _case_ok(text: str, start: int, end: int, check) -> bool:
    return text[start].isupper() if check is True else text[start:end] == check


def _by_start(e: Evidence) -> int:
    return e.start


def _by_confidence(c: Category) -> tuple[float, str]:
    return -c.confidence, c.category


def _guarded(lex: Lexicon, text: str, folded: str, start: int, end: int, guards, unguards) -> bool:
    """Is the cue at [start, end) negated, hypothetical or habitual? ``guards`` are its sentence's."""
    window = lex.window
    for g0, g1, kind in guards:
        if unguards and any(u0 <= g0 and g1 <= u1 for u0, u1, _ in unguards):
            continue
        if g1 <= start:  # before the cue
            if kind == HYP:
                if not _CLAUSE_BREAK.search(text, g1, start):
                    return True
            elif kind != NEG_AFTER and len(folded[g1:start].split()) < window:
                return True  # negator or habitual
        elif g0 >= end and kind != NEG and kind != HYP:  # after the cue
            if len(folded[end:g0].split()) < window:
                return True
    return False


# ---------------------------------------------------------------- entities


def _entities(lex: Lexicon, text: str, folded: str, matches) -> tuple[list[Place], list[Actor], list[Weapon]]:
    # Longest match wins where phrases of one kind overlap ("Dnipro River" over "Dnipro");
    # a person's name wins over a place inside it.
    found = sorted(matches, key=_START_LONGEST)
    reached = [-1] * (TITLE + 1)
    people: list[tuple[int, int]] = []
    counts: dict[int, int] = {}  # id(ref) → mentions
    refs: dict[int, tuple[int, object]] = {}
    named: dict[str, list[int]] = {}  # a name found after a title → where
    roles: dict[str, str] = {}
    places = []
    known_at: set[int] = set()  # where the names of people actors.tsv knows start
    for start, negative_length, kind, ref in found:
        if start < reached[kind]:
            continue
        end = start - negative_length
        reached[kind] = end
        if kind == PLACE:
            places.append((start, end, ref))
            continue
        if kind == TITLE:
            m = _NAME.match(text, end)
            if m is None or m.group(1).split(" ", 1)[0] in _NOT_FIRST_NAMES:
                continue
            name = m.group(1)
            people.append((m.start(1), m.end(1)))
            named.setdefault(name, []).append(m.start(1))
            if name not in roles:
                roles[name] = text[start:end]
            continue
        if kind == ACTOR and ref[1] == "person":
            people.append((start, end))
            known_at.add(start)
        key = id(ref)
        if key in counts:
            counts[key] += 1
        else:
            counts[key] = 1
            refs[key] = (kind, ref)
    senses = lex.place_senses
    in_names = set()  # where the words of people's names start: a place there is part of a name
    for p0, p1 in people:
        in_names.add(p0)
        i = text.find(" ", p0, p1)
        while i >= 0:
            in_names.add(i + 1)
            i = text.find(" ", i + 1, p1)
    for start, end, ref in places:
        if start in in_names:
            continue
        if folded.startswith(_DISTRICT_WORDS, end) and _named_after_place(lex, folded[start:end]):
            continue  # "Kyivskyi district", "Podilskyi district": a city district named after a place, not it
        if ref.name in senses:
            preceded, unless, other = senses[ref.name]
            before = " " + folded[max(0, start - 16):start]
            after = folded[end:end + 16]
            if any(before.endswith(w) for w in preceded) and not any(after.startswith(w) for w in unless):
                ref = other
        key = id(ref)
        if key in counts:
            counts[key] += 1
        else:
            counts[key] = 1
            refs[key] = (PLACE, ref)
    out_places, actors, weapons = [], [], []
    known = set()
    for key, n in counts.items():
        kind, ref = refs[key]
        if kind == PLACE:
            out_places.append(Place(ref.name, ref.kind, ref.country, ref.region, ref.lat, ref.lon, n, ref.geonames_id))
        elif kind == ACTOR:
            name, akind, role, affiliation = ref
            known.add(name)
            actors.append(Actor(name, akind, role, affiliation, n))
        else:
            weapons.append(Weapon(ref[0], ref[1], n))
    if named:
        surnames = {a.name.rsplit(" ", 1)[-1] for a in actors if a.kind == "person"}
        for name, where in named.items():
            if name in known or name.rsplit(" ", 1)[-1] in surnames or any(w in known_at for w in where):
                continue  # a known person, already counted under the canonical name
            actors.append(Actor(name, "person", roles[name], None, len(where)))
    return _most_mentioned(out_places), _most_mentioned(actors), _most_mentioned(weapons)


_START_LONGEST = itemgetter(0, 1)


def _start_longest_first(number: tuple) -> tuple[int, int]:
    return number[0] - number[1], -number[1]

_DISTRICT_WORDS = (" district", " raion", " street", " avenue", " square")
_ADJECTIVAL = ("skyi", "skyy", "skiy", "sky", "ska", "ske", "vskyi", "yi", "iy", "y")


def _named_after_place(lex: Lexicon, surface: str) -> bool:
    """"kyivskyi" (Kyiv), "podilskyi" (Podilsk), not "bilhorod dnistrovskyi": an adjective made of a place name."""
    return any(surface.endswith(a) and surface[:-len(a)] in lex.place_names for a in _ADJECTIVAL)


_NAME_OF = operator.attrgetter("name")
_MENTIONS_OF = operator.attrgetter("mentions")


def _most_mentioned(items: list) -> list:
    """Most mentioned first, then by name (two C-level sorts: the second is stable)."""
    items.sort(key=_NAME_OF)
    items.sort(key=_MENTIONS_OF, reverse=True)
    return items


_NOT_FIRST_NAMES = frozenset(
    "The A An On In At Of For And But Said Says Told Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)


# ---------------------------------------------------------------- figures


def figures(text: str) -> list[Figure]:
    """The figures of a bare text (killed, wounded, evacuated, displaced, drones, missiles, convoy lengths),
    whatever the text reports: ``tag`` keeps only those of the events it found (``[figures] events``)."""
    lex = lexicon()
    folded, scan = _pass(lex, text)
    return _figures(lex, text, folded, scan)


def _figures(lex: Lexicon, text: str, folded: str, scan: Scan) -> list[Figure]:
    if not scan.numbers:
        return []
    rules = lex.figures
    breaks = scan.breaks
    n_breaks = len(breaks)
    n_text = len(text)
    marks: dict[int, set[str]] = {}
    for last, mark in scan.marks:
        marks.setdefault(bisect_right(breaks, last - 2) - 1, set()).add(mark)
    out: list[Figure] = []
    taken: set[tuple[str, int]] = set()  # (kind, sentence): one figure of a kind per sentence, the first
    cue_in: dict[tuple[str, int], bool] = {}  # (category, sentence) → does it hold one of the category's cues?
    previous_end = -1
    for last, length, value in sorted(scan.numbers, key=_start_longest_first):
        end = last - 1
        start = end - length
        if start < previous_end:
            continue  # "eight" inside "thirty-eight"
        previous_end = end
        if value is None:  # digits: read the whole number from the text
            if start and text[start - 1] not in _BEFORE_NUMBER:
                continue  # "A-50", "Kh-101", "12,000"'s tail, "09:30"'s minutes
            m = _NUMBER.match(text, start)
            end = m.end()
            if end < n_text and (text[end] in ":%/" or (text[end].isalnum() and not _glued_unit(rules, folded, end))):
                continue  # a time, a percentage, a date; "4x4", "0B": not a count ("64km" is a length)
            value = float(m.group().replace(",", ""))
        s = bisect_right(breaks, start) - 1
        s_end = breaks[s + 1] if s + 1 < n_breaks else n_text
        words = folded[end:min(s_end, end + 80)].split()
        unit = None
        if words:
            first = words[0]
            if first in _NOT_COUNTS:
                continue
            if first in rules.scale:
                value *= rules.scale[first]
                end = folded.index(first, end) + len(first)
                words = words[1:]
                first = words[0] if words else ""
            if first in rules.units:
                unit = rules.units[first]
                end = folded.index(first, end) + len(first)
                words = words[1:]
        s_start = breaks[s]
        before_words = folded[max(s_start, start - 40):start].split()
        if before_words and (before_words[-1] in rules.subset or " ".join(before_words[-2:]) in rules.subset):
            continue  # "including 287 children": a subset of a figure already given
        if value == 1 and before_words and before_words[-1] in rules.not_counts_after:
            continue  # "no one was hurt", "the one missile that got through"
        if 1900 <= value < 2100 and end - start == 4 and before_words and before_words[-1] in _BEFORE_YEAR:
            continue  # "displaced in 2022", "since March 2022": a year, not a count
        mark = marks.get(s, ())
        kind, f_start, f_end = None, start, end
        if unit is not None:
            if rules.needs.get("convoy_km") in mark:
                kind = "convoy_km"
        else:
            people = 0
            if words:
                kind, f_end, people = _after(rules, text, folded, words, end)
            if kind is None and before_words:
                kind, f_start = _before(rules, rules.before, text, folded, before_words, start)
            if kind is None and people and before_words:
                kind, f_start = _before(rules, rules.before_people, text, folded, before_words, start)
                if kind is not None:
                    f_end = people  # "drove 64 people"
            if kind is None and people and rules.scope_before:
                kind, f_start, f_end = _scope(rules, text, folded, words, before_words, start, end, people,
                                              marks.get(s, ()), marks.get(s - 1, ()))
            if kind is None and people:
                for sentence_mark, k in rules.people_by_sentence:
                    if sentence_mark in mark:
                        kind, f_end = k, people  # "12,000 people" in a sentence about an evacuation
                        break
            if kind is not None and kind in rules.needs:
                need = rules.needs[kind]
                if need[0] == "@":  # "@strikes": the sentence must hold a cue of that category (fired or not)
                    found = cue_in.get((need, s))
                    if found is None:
                        found = cue_in[need, s] = _holds_cue(scan.cues, need[1:], breaks[s], s_end)
                    if not found:
                        kind = None
                elif need not in mark:
                    kind = None
        update = "update" in mark
        if kind is None and unit is None and rules.tolls:
            kind, f_start = _toll(rules, text, folded, s_start, start)
            update = update or kind is not None
        if kind is None or (kind != "convoy_km" and value != int(value)):
            continue
        if update:  # "the toll rises to 16 killed": the latest total replaces the earlier ones
            out = [f for f in out if f.kind != kind]
        elif (kind, s) in taken:
            continue  # "15 missiles - six Kinzhal and nine Kalibr": the first is the total
        elif kind in rules.first_only and any(f.kind == kind for f in out):
            continue  # "launched 310 drones ... shot down 280 drones": the number launched
        taken.add((kind, s))
        if any(f.kind == kind and f.value == value for f in out):
            continue
        out.append(Figure(kind, int(value) if value == int(value) else value, unit if kind == "convoy_km" else None,
                          text[f_start:f_end], f_start, f_end))
    running = [f.kind for f in out if f.kind in rules.running]
    if len(running) > len(set(running)) and _is_live_blog(text):
        # a live blog's entries restate the toll as it grows: its last figure of such a kind is the total
        last = {f.kind: f for f in out if f.kind in rules.running}
        out = [f for f in out if f.kind not in last or last[f.kind] is f]
    return out


_LIVE_ENTRY = re.compile(r"(?:^|\s)\d{1,2}[:.]\d{2} ?[-–—] ")  # "09:30 - ", bounded: no backtracking


def _is_live_blog(text: str) -> bool:
    """Two or more time-stamped entries ("06:50 - …") near the top: the live-blog style."""
    entries = _LIVE_ENTRY.finditer(text, 0, 4000)
    return next(entries, None) is not None and next(entries, None) is not None


_BEFORE_NUMBER = frozenset(" \n\t(\"“‘'$~≈")
_BEFORE_YEAR = frozenset("""in since from until till by before after early late mid spring summer autumn fall winter
    january february march april may june july august september october november december""".split())
_CLAUSE_PUNCT = re.compile(r"[,;:()\[\]–—]| - ")
_NOT_COUNTS = frozenset(("year", "years", "month", "months", "day", "days", "hour", "hours", "percent", "per", "a",
                         "p", "am", "pm", "of", "millimetre", "mm", "billion", "minutes", "metres", "meters", "tonnes",
                         "euros", "dollars", "roubles", "hryvnias", "st", "nd", "rd", "th", "calibre", "caliber", "week",
                         "weeks", "times", "kg", "kilograms", "tons", "mw", "gw", "storey", "storeys", "floors"))


def _holds_cue(cues: list, category: str, start: int, end: int) -> bool:
    """Does [start, end) hold a cue of one of the category's rules (fired or not)? ``cues`` are in text order."""
    for i in range(bisect_right(cues, start + 1, key=_FIRST), len(cues)):
        cue = cues[i]
        if cue[0] - 1 > end:
            return False
        if cue[2].category == category:
            return True
    return False


_FIRST = itemgetter(0)


def _glued_unit(rules: FigureRules, folded: str, end: int) -> bool:
    word = folded[end:end + 12].split(None, 1)
    return bool(word) and word[0] in rules.units


def _scope(rules: FigureRules, text: str, folded: str, words: list[str], before_words: list[str], start: int,
           end: int, people: int, mark, mark_before):
    """The kind of a count of people that sizes an order named in its sentence or the one before ("The
    evacuation order affects 12,000 people", "... will be evacuated. It concerns about 200 persons"): the
    kind a scope word gives, kept only when one of those sentences carries that kind's mark."""
    kind, f_start = _before(rules, rules.scope_before, text, folded, before_words, start)
    f_end = people
    if kind is None:
        kind, f_end, _ = _after(rules, text, folded, words, end, rules.scope_after)
        f_start = start
    if kind is None or (kind not in mark and kind not in mark_before):
        return None, start, end
    return kind, f_start, f_end


def _after(rules: FigureRules, text: str, folded: str, words: list[str], end: int, table: dict | None = None):
    """The kind the words after a number give it (by ``table``, the ``after`` table unless given): "12 people
    were killed", "31 drones"; and where the people words after it end ("326 people"), 0 if there are none."""
    people = 0
    after, fillers, people_words = rules.after if table is None else table, rules.fillers, rules.people
    n = len(words)
    pos = end
    for i in range(min(n, rules.max_after)):
        word = words[i]
        pos = folded.index(word, pos)
        if word in after:
            for phrase, kind in after[word]:
                k = len(phrase)
                if k == 1 or tuple(words[i:i + k]) == phrase:
                    f_end = folded.index(phrase[-1], pos) + len(phrase[-1]) if k > 1 else pos + len(word)
                    if _CLAUSE_PUNCT.search(text, end, f_end):
                        return None, end, people  # "killing five, and 12 were wounded": another clause
                    return kind, f_end, people
        if word in people_words:
            people = pos + len(word)
        elif word not in fillers and not text[pos].isupper() and not (word.isdigit() and text[pos - 1] == "-"):
            break  # "Shahed", "Kursk", "Kh-101": names may stand between a number and its noun
        pos += len(word)
    return None, end, people


def _toll(rules: FigureRules, text: str, folded: str, s_start: int, start: int) -> tuple[str | None, int]:
    """The kind of a total named earlier in the clause, then a verb, then the number: "the death toll in Kyiv
    rises to two", "the number of wounded in Kherson has risen to five", "the number of wounded is now eight"."""
    before = " " + folded[s_start:start]
    at, kind = -1, None
    for phrase, k in rules.tolls:
        i = before.rfind(phrase)
        if i > at:
            at, kind = i, k
    if kind is None:
        return None, start
    tail = before[at:]
    verb = max((tail.rfind(v) + len(v) for v in rules.toll_verbs if v in tail), default=-1)
    if verb < 0 or any(w not in rules.fillers for w in tail[verb:].split()):
        return None, start  # no verb, or other words between it and the number ("rose to 12 after 3 more")
    f_start = s_start + at  # the phrase's first character (the padding space stood before it)
    if _CLAUSE_PUNCT.search(text, f_start, start):
        return None, start
    return kind, f_start


def _before(rules: FigureRules, table: dict[str, tuple], text: str, folded: str, before_words: list[str], start: int):
    """The kind the words before a number give it by ``table``: "killing 14", "evacuated 300"."""
    words = before_words
    while words:
        # a phrase may end in a filler word ("evacuation of 40", "death toll to 12"), so look before dropping it
        for phrase, kind in table.get(words[-1], ()):
            k = len(phrase)
            if k == 1 or tuple(words[-k:]) == phrase:
                f_start = folded.rfind(" ".join(phrase), 0, start)
                if f_start >= 0 and not _CLAUSE_PUNCT.search(text, f_start, start):
                    return kind, f_start
        if words[-1] not in rules.fillers:
            break
        words = words[:-1]
    return None, start


# ---------------------------------------------------------------- benchmark


def _benchmark(paths: list[str], repeat: int = 15) -> None:
    """``python -m streams.tag [CORPUS.jsonl | ARTICLE.txt ...]``: tagging µs per article, best of ``repeat``
    runs (best, not mean: other work on the machine only ever adds time), at the articles' own size, scaled
    to 3 KB, and on 3 KB articles made by joining them. Also times one pure-Python loop, to say how fast
    this machine runs Python."""
    import time
    import timeit

    from .evaluate import load
    from .normalise import normalise
    from .records import RawArticle

    started = time.perf_counter()
    lexicon()
    print(f"lexicon: {time.perf_counter() - started:.2f} s to import the data and build the automaton"
          f" ({scanner_kind()} pass)")
    articles = []
    for path in paths or ["tests/corpus/dev.jsonl", "tests/corpus/dev2.jsonl"]:  # never the held-out part
        if path.endswith(".jsonl"):
            articles += [normalise(RawArticle(i["article_id"], i["body"], title=i.get("title"))) for i in load(path)]
        else:
            articles.append(normalise(RawArticle(Path(path).stem, Path(path).read_text(encoding="utf-8"))))
    joined, buffer = [], ""
    for a in articles:
        buffer += a.body + "\n\n"
        if len(buffer) >= 3072:
            joined.append(replace(a, body=buffer[:3072]))
            buffer = ""

    def best(items) -> float:
        runs = []
        for _ in range(repeat):
            t = time.perf_counter()
            for a in items:
                tag(a)
            runs.append((time.perf_counter() - t) / len(items) * 1e6)
        return min(runs)

    mean = sum(len(a.body) for a in articles) / len(articles)
    us = best(articles)
    print(f"{len(articles)} articles, mean {mean:.0f} characters: {us:.1f} µs/article"
          f" = {us * 3072 / mean:.0f} µs per 3 KB scaled linearly")
    if joined:
        print(f"{len(joined)} articles of 3 KB (joined): {best(joined):.1f} µs/article")
    for a in articles if len(articles) <= 8 else ():
        print(f"  {a.article_id} ({len(a.body)} characters): {best([a] * 20):.1f} µs")
    loop = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"machine: sum(range(1000)) takes {loop:.1f} µs here")


if __name__ == "__main__":
    import sys

    _benchmark(sys.argv[1:])
