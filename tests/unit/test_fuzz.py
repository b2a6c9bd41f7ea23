"""Property-based fuzzing of the pure stages (hypothesis).

(a) ``parse`` never raises anything but ``Rejected`` with a known reason, on any bytes
    and on any JSON-ish document, and finds repeated top-level keys however they are
    written; (b) ``normalise`` turns every body ``parse`` accepts into a valid article
    with a non-empty NFC body; (c) ``tag`` and ``route`` never raise on the result, their
    offsets slice the body to what they claim, and the feed message is valid.

Kept fast (the whole file runs in well under 30 s on 2 cores): bounded example counts
(``NEWSWIRE_FUZZ_SCALE=50`` multiplies them for a deeper search),
``deadline=None`` (the first call builds the lexicons), no example database written
into the work tree. Bugs they found are pinned by an ``@example``.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter
from datetime import datetime, timezone

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from streams import gazetteer
from streams.codec import dumps
from streams.deadletter import REASONS
from streams.normalise import Rejected, normalise, parse
from streams.records import RawArticle
from streams.route import route
from streams.schemas import validate
from streams.tag import tag

MAX_BYTES = 1024 * 1024
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
FIELDS = ("schema_version", "article_id", "body", "title", "source", "url", "published_at", "language")


#: NEWSWIRE_FUZZ_SCALE=50 runs fifty times as many examples (a deeper search than the default quick one).
SCALE = int(os.environ.get("NEWSWIRE_FUZZ_SCALE", "1"))


def fuzz(n: int) -> settings:
    return settings(max_examples=n * SCALE, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def parse_or_reason(value: bytes, max_bytes: int = MAX_BYTES) -> RawArticle | str:
    """The parsed article, or the reason it was rejected; any other exception fails the test."""
    try:
        return parse(value, max_bytes)
    except Rejected as exc:
        assert exc.reason in REASONS, exc.reason
        assert exc.detail and exc.detail.strip(), exc.reason
        assert exc.article_id is None or isinstance(exc.article_id, str)
        return exc.reason


# ---------------------------------------------------------------- (a) parse

VALID = orjson.dumps({"schema_version": 1, "article_id": "fz-1", "title": "Strike on Kharkiv",
                      "published_at": "2024-03-01T10:00:00Z", "language": "en",
                      "body": "Russian drones struck Kharkiv overnight; 12 people were evacuated."})


@fuzz(400)
@given(st.binary(max_size=600), st.integers(0, 700))
def test_parse_of_arbitrary_bytes_only_rejects(value, max_bytes):
    parse_or_reason(value, max_bytes)


@st.composite
def mutated(draw):
    """A valid message with a few bytes replaced, inserted or deleted: reaches deeper than random bytes."""
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(("replace", "insert", "delete")))
        byte = draw(st.integers(0, 255) | st.sampled_from(b'"\\{}[],:\x00\x80\xc3\xed '))
        if op == "replace" and at < len(data):
            data[at] = byte
        elif op == "insert":
            data.insert(at, byte)
        elif at < len(data):
            del data[at]
    return bytes(data)


@fuzz(400)
@given(mutated())
def test_parse_of_a_damaged_message_only_rejects(value):
    parse_or_reason(value)


json_scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_values = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
field_values = st.one_of(
    json_values,
    st.just(1),
    st.text(min_size=1, max_size=40),
    st.sampled_from(["2024-03-01T10:00:00Z", "2024-03-01T10:00:00.5+02:00", "2024-02-30T10:00:00Z", "en", "pt-BR",
                     "EN", "", " ", "\x00", "\u200b", "x" * 201, "https://example.invalid/a"]),
)


def _escape_all(text: str) -> str:
    """A JSON string literal with every character written as a \\u escape (quotes become \\u0022)."""
    out = []
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


def _encode(value, style: str) -> str:
    if style == "escaped" and isinstance(value, str):
        return _escape_all(value)
    if isinstance(value, dict) and style == "escaped":
        return "{" + ",".join(f"{_escape_all(k)}:{_encode(v, style)}" for k, v in value.items()) + "}"
    if isinstance(value, list) and style == "escaped":
        return "[" + ",".join(_encode(v, style) for v in value) + "]"
    if style == "compact":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=(style == "ascii"))


@st.composite
def documents(draw):
    """A JSON object written by hand as (key, value) pairs, so keys may repeat, in one of several styles."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(FIELDS) | st.text(max_size=8), field_values), max_size=10))
    if draw(st.booleans()):  # often start from a valid article so that the later checks are reached
        pairs = list(orjson.loads(VALID).items()) + pairs
        if draw(st.booleans()):
            pairs = draw(st.permutations(pairs))
    styles = st.sampled_from(("compact", "spaced", "ascii", "escaped"))
    members = []
    for key, value in pairs:
        key_style, value_style = draw(styles), draw(styles)
        colon = draw(st.sampled_from((":", ": ", " : ", "\n:\t")))
        members.append(_encode(key, key_style) + colon + _encode(value, value_style))
    text = "{" + draw(st.sampled_from((",", ", ", ",\n  "))).join(members) + "}"
    return text.encode("utf-8", "surrogatepass"), pairs


@st.composite
def canonical_documents(draw):
    """Members written exactly as orjson writes them (the replayer's form), keys sometimes repeated,
    bodies full of quotes and backslashes: the fast path of the repeated-key check."""
    tricky = st.text(alphabet=st.sampled_from('ab "\\:,{}\n\u00e9'), max_size=12)
    values = (tricky | st.none() | st.integers(-1000, 1000) | st.lists(tricky, max_size=2)
              | st.dictionaries(tricky, tricky, max_size=2))
    pairs = list(orjson.loads(VALID).items())
    pairs[-1] = ("body", draw(tricky.map(lambda t: "x" + t)))
    pairs += draw(st.lists(st.tuples(st.sampled_from(FIELDS) | tricky, values), max_size=3))
    pairs = draw(st.permutations(pairs))
    return b"{" + b",".join(orjson.dumps(k) + b":" + orjson.dumps(v) for k, v in pairs) + b"}", pairs


@fuzz(600)
@given(documents() | canonical_documents())
@example((b'{"body":"x","b\\u006fdy":"y"}', [("body", "x"), ("body", "y")]))
@example((b'{"schema_version":1,"article_id":"a","body":"\\u0022\\u0022\\u0022\\u0022","title":"T2","title":"T"}',
          [("schema_version", 1), ("article_id", "a"), ("body", '""""'), ("title", "T2"), ("title", "T")]))
@example((b'{"schema_version":1,"article_id":"a","body":"x\\\\","title":"T2","title":"T"}',
          [("schema_version", 1), ("article_id", "a"), ("body", "x\\"), ("title", "T2"), ("title", "T")]))
def test_parse_of_json_documents_only_rejects_and_finds_repeated_keys(doc):
    value, pairs = doc
    result = parse_or_reason(value)
    repeated = {k for k, n in Counter(k for k, _ in pairs).items() if n > 1}
    if repeated:
        assert result == "duplicate_key", (repeated, result)
        return
    assert result != "duplicate_key"
    if isinstance(result, RawArticle):  # accepted: the fields are the document's
        data = dict(pairs)
        assert (result.article_id, result.body) == (data["article_id"], data["body"])
        assert (result.title, result.language, result.published_at) == (
            data.get("title"), data.get("language"), data.get("published_at"))


@fuzz(150)
@given(json_values)
def test_parse_of_any_json_value_only_rejects(value):
    parse_or_reason(json.dumps(value).encode())  # (json, not orjson: it writes integers beyond 64 bits)


# ---------------------------------------------------------------- (b) normalise

CONTROLS = [chr(c) for c in range(0, 32)] + ["\x7f", "\x85", "\u2028", "\u2029", "\u200b", "\u200c", "\u200d",
                                             "\u2060", "\ufeff", "\u00ad", "\u00a0", "\u3000", "\u202f", "\u1680"]
COMBINING = ["\u0300", "\u0301", "\u0308", "\u0327", "\u0338", "\u0351", "\u20dd", "\u093c", "\u05b4", "\u302a"]
SCRIPTS = ["Київ", "Харків", "Запоріжжя", "Одеса", "Москва", "キーウ", "基辅", "خاركيف", "חרקוב", "Ελλάδα",
           "ქართული", "हिन्दी", "İstanbul", "Straße", "ﬁre", "Ｋｙｉｖ", "🇺🇦", "👩‍👩‍👧", "١٢", "٥"]
WORDS = sorted({*gazetteer.spelling_variants(), *gazetteer.spelling_variants().values()}) + [
    "air strike", "missile strike", "shelling", "killed", "wounded", "dead", "evacuated", "evacuation", "drones",
    "missiles", "ceasefire", "peace talks", "sanctions", "12", "1,200", "3.5", "40 km", "convoy", "people",
    "were killed", "Russian forces", "Ukraine", "no evacuation", "could strike", "U.S.", "UN", "NATO",
]
BOILERPLATE = ["Read more", "REUTERS/Alexander Ermochenko", "(With information from Reuters)", "Advertisement",
               "Share", "Photo: AFP", "Mercenaries, Wagner Group, Russia."]
SEPARATORS = [" ", " ", " ", "\n", "\r\n", "\r", "\t", "\n\n", ". ", ", ", "“", "”", '"', "-", "—", "…"]

fragments = st.one_of(
    st.text(max_size=30),
    st.sampled_from(WORDS),
    st.sampled_from(SEPARATORS),
    st.sampled_from(CONTROLS),
    st.sampled_from(COMBINING),
    st.sampled_from(SCRIPTS),
    st.sampled_from(BOILERPLATE),
    st.integers(0, 10**7).map(str),
    st.integers(300, 3000).map(lambda n: "long " * (n // 5)),  # very long lines
    # things glued together: a word and a combining mark, a number and a word
    st.tuples(st.sampled_from(WORDS + SCRIPTS), st.sampled_from(COMBINING)).map("".join),
    st.tuples(st.integers(0, 5000).map(str), st.sampled_from(WORDS + ["x", "B", "km", "th"])).map("".join),
)
bodies = st.lists(fragments, min_size=1, max_size=40).map("".join)
titles = st.none() | st.text(max_size=60) | st.lists(
    st.sampled_from(WORDS + SCRIPTS + COMBINING + SEPARATORS + CONTROLS), max_size=8).map("".join)


def accepted(body: str, title: str | None = None) -> RawArticle | None:
    """The article ``parse`` makes of this body, or None when it rejects it (then only for an empty body)."""
    result = parse_or_reason(orjson.dumps({"schema_version": 1, "article_id": "fz", "body": body, "title": title}))
    if isinstance(result, str):
        assert result == "empty_body", (result, body)
        return None
    return result


@fuzz(300)
@given(bodies, titles)
def test_normalise_gives_a_valid_article_with_a_body(body, title):
    raw = accepted(body, title)
    if raw is None:
        return
    article = normalise(raw, now=NOW)
    validate("normalised_article", orjson.loads(dumps(article)))
    assert article.body.strip()


@fuzz(300)
@given(st.text(max_size=200) | bodies)
def test_normalise_never_raises_even_on_what_parse_refuses(body):
    normalise(RawArticle("fz", body), now=NOW)


@fuzz(300)
@given(bodies)
@example("Dnepr\u0308")
def test_normalised_body_is_nfc(body):
    raw = accepted(body)
    if raw is None:
        return
    article = normalise(raw, now=NOW)
    assert unicodedata.is_normalized("NFC", article.body), repr(article.body)


# ---------------------------------------------------------------- (c) tag and route

def normalised(body: str):
    raw = accepted(body)
    return None if raw is None else normalise(raw, now=NOW)


@fuzz(250)
@given(bodies)
def test_tag_and_route_never_raise_and_the_feed_message_is_valid(body):
    article = normalised(body)
    if article is None:
        return
    tags = tag(article)
    message = route(article, tags=tags, now=NOW)
    validate("feed_message", orjson.loads(dumps(message)))
    assert message.feeds


@fuzz(250)
@given(bodies)
def test_evidence_and_figure_offsets_slice_the_body(body):
    article = normalised(body)
    if article is None:
        return
    text = article.body
    tags = tag(article)
    for category in tags.categories:
        for ev in category.evidence:
            assert 0 <= ev.start <= ev.end <= len(text)
            assert text[ev.start:ev.end] == ev.sentence, (ev, text)
            assert ev.cue and ev.cue in ev.sentence, (ev, text)
            if hasattr(ev, "cue_start"):  # the cue's own offsets, where the record carries them
                assert ev.start <= ev.cue_start <= ev.cue_end <= ev.end, (ev, text)
                assert text[ev.cue_start:ev.cue_end] == ev.cue, (ev, text)
    for fig in tags.figures:
        assert 0 <= fig.start <= fig.end <= len(text)
        assert text[fig.start:fig.end] == fig.text, (fig, text)
        assert any(ch.isdigit() for ch in fig.text), (fig, text)


def _in_word(before: str, after: str) -> bool:
    """Whether a boundary between these two characters falls inside a word.

    A word as the tagger reads one (``tag.fold``): ASCII letters and digits. Any other
    character, a non-ASCII letter included, separates words.
    """
    return all(ch and ch.isascii() and ch.isalnum() for ch in (before, after))


@fuzz(250)
@given(bodies)
def test_evidence_cues_are_whole_words(body):
    """The cue the tagger quotes starts and ends at word boundaries of the body, not inside a word."""
    article = normalised(body)
    if article is None:
        return
    text = article.body
    for category in tag(article).categories:
        for ev in category.evidence:
            if hasattr(ev, "cue_start"):
                assert not _in_word(text[ev.cue_start - 1:ev.cue_start] if ev.cue_start else "",
                                    text[ev.cue_start:ev.cue_start + 1]), (ev, text)
                assert not _in_word(text[ev.cue_end - 1:ev.cue_end], text[ev.cue_end:ev.cue_end + 1]), (ev, text)
            else:
                n = len(ev.cue)
                assert any(not _in_word(ev.sentence[i - 1:i] if i else "", ev.sentence[i:i + 1])
                           and not _in_word(ev.sentence[i + n - 1:i + n], ev.sentence[i + n:i + n + 1])
                           for i in _find_all(ev.sentence, ev.cue)), (ev, text)


@fuzz(250)
@given(bodies)
@example("Drones killed 4x4 drivers.")  # a number glued to letters is not a count
@example("KILLED:0B")
def test_figures_are_whole_words(body):
    """A figure's text starts and ends at word boundaries of the body, not inside a word."""
    article = normalised(body)
    if article is None:
        return
    text = article.body
    for fig in tag(article).figures:
        before = text[fig.start - 1:fig.start] if fig.start else ""
        assert not _in_word(before, text[fig.start:fig.start + 1]), (fig, text)
        assert not _in_word(text[fig.end - 1:fig.end], text[fig.end:fig.end + 1]), (fig, text)


def _find_all(text: str, part: str):
    at = text.find(part)
    while at != -1:
        yield at
        at = text.find(part, at + 1)
