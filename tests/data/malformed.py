"""A corpus of bad ``articles.raw`` values, and of odd ones that must still get through.

``MALFORMED``: every kind of broken message we could think of, each with the exact
dead-letter reason ``streams.normalise.parse`` must give it and, where the problem is
one field, the field the detail must name. ``ACCEPTED``: inputs that look strange but
are valid; the pipeline must normalise and route them.

Everything is built in code (no binary fixtures) and deterministically: the random
bytes come from a fixed seed, gzip gets a fixed mtime.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass

import orjson

#: The limit the tests pass to ``parse`` (the default of NEWSWIRE_MAX_MESSAGE_BYTES).
MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Case:
    """A malformed value and the dead-letter reason it must get."""

    name: str
    value: bytes
    reason: str
    field: str | None = None  # the field the detail must name, when one field is at fault


@dataclass(frozen=True)
class Accepted:
    """An odd but valid value: it must parse, normalise and route."""

    name: str
    value: bytes
    body_contains: str = ""  # text the normalised body must hold
    body_lacks: str = ""  # text the normalised body must not hold (when set)


#: A valid article: every case below is this with one thing broken.
BASE: dict = {
    "schema_version": 1,
    "article_id": "m-001",
    "title": "Missile strike on Kharkiv",
    "source": "Example Wire",
    "url": "https://example.invalid/world/kharkiv-strike",
    "published_at": "2024-03-01T10:00:00Z",
    "language": "en",
    "body": "Russian forces launched a missile strike on Kharkiv overnight, the regional governor said. "
    "At least three people were wounded.",
}
DROP = object()  # a field value meaning "leave the field out"


def article(**changes: object) -> dict:
    doc = {**BASE, **changes}
    return {k: v for k, v in doc.items() if v is not DROP}


def raw(**changes: object) -> bytes:
    """``BASE`` with ``changes`` applied, as the replayer would write it (orjson, compact)."""
    return orjson.dumps(article(**changes))


def text(**changes: object) -> str:
    return raw(**changes).decode()


def _json_with(extra: str) -> bytes:
    """``BASE`` with a raw JSON fragment added as the last member (for what orjson cannot write)."""
    return raw()[:-1] + b"," + extra.encode() + b"}"


def _png() -> bytes:
    # signature, then the start of an IHDR chunk of a 1x1 image
    ihdr = b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    return b"\x89PNG\r\n\x1a\n" + ihdr


def _malformed() -> list[Case]:
    good = raw()
    cases: list[Case] = []

    def add(name: str, value: bytes, reason: str, field: str | None = None) -> None:
        cases.append(Case(name, value, reason, field))

    # ---- not JSON
    add("truncated JSON", good[: len(good) // 2], "invalid_json")
    add("truncated inside a string", good[:-3], "invalid_json")
    add("trailing garbage after the object", good + b" <!-- end -->", "invalid_json")
    add("two objects back to back", good + good, "invalid_json")
    add("single-quoted keys and strings", text().replace('"', "'").encode(), "invalid_json")
    add("unquoted keys", b"{schema_version: 1, article_id: \"m\", body: \"x\"}", "invalid_json")
    add("trailing comma", good[:-1] + b",}", "invalid_json")
    add("NaN literal", _json_with('"score": NaN'), "invalid_json")
    add("Infinity literal", _json_with('"score": -Infinity'), "invalid_json")
    add("number too large for a double", _json_with('"score": 1e400'), "invalid_json")
    add("block comment", _json_with('/* generated */ "x": 1'), "invalid_json")
    add("line comment", b"// exported by scraper\n" + good, "invalid_json")
    add("raw newline inside a string", text(body="line one\nline two").replace("\\n", "\n").encode(), "invalid_json")
    add("invalid escape sequence", text(body="C:\\xyz").replace("\\\\", "\\").encode(), "invalid_json")
    add("lone surrogate escape", text(body="@@").replace("@@", "\\ud83d bad").encode(), "invalid_json")
    add("NUL byte after the object", good + b"\x00", "invalid_json")
    add("empty value", b"", "invalid_json")
    add("white space only", b" \r\n\t \n", "invalid_json")
    add("a bare word", b"undefined", "invalid_json")

    # ---- not UTF-8
    add("lone continuation byte", raw(body="PLACEHOLDER").replace(b"PLACEHOLDER", b"caf\x80 noir"), "invalid_utf8")
    add("overlong encoding of '/'", raw(body="PLACEHOLDER").replace(b"PLACEHOLDER", b"a\xc0\xafb"), "invalid_utf8")
    add("UTF-8-encoded surrogate", raw(body="PLACEHOLDER").replace(b"PLACEHOLDER", b"x\xed\xa0\x80y"), "invalid_utf8")
    add("truncated multi-byte sequence", raw(body="@@").replace(b"@@", b"dash \xe2\x80"), "invalid_utf8")
    add("code point above U+10FFFF", raw(body="@@").replace(b"@@", b"\xf4\x90\x80\x80"), "invalid_utf8")
    add("UTF-16 with byte-order mark", text().encode("utf-16"), "invalid_utf8")
    add("UTF-16BE without byte-order mark", text().encode("utf-16-be"), "invalid_utf8")
    add("UTF-16LE without byte-order mark", text().encode("utf-16-le"), "invalid_utf8")
    add("UTF-32", text().encode("utf-32"), "invalid_utf8")
    add("Latin-1 encoded JSON", text(body="Le café de la Défense a fermé.").encode("latin-1"), "invalid_utf8")
    add("Windows-1252 curly quotes", text(body="“Evacuate now”, he said.").encode("cp1252"), "invalid_utf8")
    add("random bytes", random.Random(20240301).randbytes(4096), "invalid_utf8")
    add("PNG image", _png(), "invalid_utf8")
    add("gzip-compressed article", gzip.compress(good, mtime=0), "invalid_utf8")

    # ---- JSON, but not an object
    add("JSON array", orjson.dumps([BASE]), "not_an_object")
    add("JSON string", orjson.dumps(text()), "not_an_object")
    add("JSON number", b"42", "not_an_object")
    add("JSON null", b"null", "not_an_object")
    add("JSON true", b"true", "not_an_object")
    add("JSON false", b"false", "not_an_object")

    # ---- nested too deep for the decoder (must not be a RecursionError)
    add("100,000 nested arrays", _json_with('"extra": ' + "[" * 100_000 + "]" * 100_000), "too_deep")
    add("2,000 nested objects", _json_with('"extra": ' + '{"a": ' * 2_000 + "1" + "}" * 2_000), "too_deep")
    add("deep nesting as the whole value", b"[" * 5_000, "too_deep")

    # ---- repeated keys (orjson would silently keep the last)
    add("duplicate article_id", b'{"schema_version": 1, "article_id": "a", "article_id": "b", "body": "Text."}',
        "duplicate_key", "article_id")
    add("duplicate body", raw()[:-1] + b',"body":"A different body."}', "duplicate_key", "body")
    add("duplicate key spelled with an escape", raw()[:-1] + b',"b\\u006fdy":"Another body."}', "duplicate_key", "body")
    add("duplicate schema_version", b'{"schema_version": 2, "schema_version": 1, "article_id": "a", "body": "Text."}',
        "duplicate_key", "schema_version")

    # ---- schema_version
    for version, label in ((2, "2"), ("1", 'the string "1"'), (-1, "-1"), (None, "null"), (True, "true"), (0, "0")):
        add(f"schema_version {label}", raw(schema_version=version), "unsupported_schema_version", "schema_version")

    # ---- required fields
    add("missing schema_version", raw(schema_version=DROP), "schema_violation", "schema_version")
    add("missing article_id", raw(article_id=DROP), "schema_violation", "article_id")
    add("missing body", raw(body=DROP), "schema_violation", "body")
    add("empty object", b"{}", "schema_violation", "schema_version")

    # ---- article_id
    for value, label in ((12345, "a number"), (None, "null"), (["m-001"], "a list"), ({"id": "m-001"}, "an object"),
                         (True, "a boolean")):
        add(f"article_id is {label}", raw(article_id=value), "schema_violation", "article_id")
    add("empty article_id", raw(article_id=""), "schema_violation", "article_id")
    add("article_id with a newline", raw(article_id="m-001\nX-Injected: 1"), "schema_violation", "article_id")
    add("article_id with NUL and escape characters", raw(article_id="m\x00\x1b[31m"), "schema_violation", "article_id")
    add("article_id of 201 characters", raw(article_id="a" * 201), "schema_violation", "article_id")

    # ---- body
    for value, label in ((42, "a number"), (["para 1", "para 2"], "a list"), ({"text": "x"}, "an object"),
                         (None, "null"), (False, "a boolean")):
        add(f"body is {label}", raw(body=value), "schema_violation", "body")
    add("empty body", raw(body=""), "empty_body", "body")
    add("white-space-only body", raw(body=" \n\t\r\n  "), "empty_body", "body")
    add("body of Unicode spaces only", raw(body="\u00a0\u2003\u3000\u2028\u205f"), "empty_body", "body")
    add("body of control characters only", raw(body="\x00\x01\x07\x1b\x7f"), "empty_body", "body")
    add("body of zero-width characters only", raw(body="\u200b\u200d\ufeff\u2060\u00ad"), "empty_body", "body")
    add("body of 5 MB", raw(body="Kharkiv was shelled again. " * 200_000), "oversized")
    add("one byte over the limit", _exactly(MAX_BYTES + 1), "oversized")

    # ---- optional fields of the wrong type or form
    add("title over 1000 characters", raw(title="Breaking " * 120), "schema_violation", "title")
    add("title is a number", raw(title=7), "schema_violation", "title")
    add("source over 500 characters", raw(source="S" * 501), "schema_violation", "source")
    add("url is a number", raw(url=404), "schema_violation", "url")
    add("url is a list", raw(url=["https://example.invalid/a"]), "schema_violation", "url")
    add("url over 4000 characters", raw(url="https://example.invalid/" + "a" * 4000), "schema_violation", "url")
    add("published_at is a Unix timestamp", raw(published_at=1709287200), "schema_violation", "published_at")
    add("published_at is a word", raw(published_at="yesterday"), "schema_violation", "published_at")
    add("published_at is a date only", raw(published_at="2024-03-01"), "schema_violation", "published_at")
    add("published_at has no offset", raw(published_at="2024-03-01T10:00:00"), "schema_violation", "published_at")
    add("published_at 30 February", raw(published_at="2024-02-30T10:00:00Z"), "schema_violation", "published_at")
    add("published_at hour 24", raw(published_at="2024-03-01T24:00:00Z"), "schema_violation", "published_at")
    add("published_at with a space", raw(published_at="2024-03-01 10:00:00Z"), "schema_violation", "published_at")
    add("published_at offset without colon", raw(published_at="2024-03-01T10:00:00+0100"), "schema_violation",
        "published_at")
    add("published_at in Arabic-Indic digits", raw(published_at="٢٠٢٤-03-01T10:00:00Z"), "schema_violation",
        "published_at")
    add("language is a name", raw(language="English"), "schema_violation", "language")
    add("language in upper case", raw(language="EN"), "schema_violation", "language")
    add("language with underscore", raw(language="en_US"), "schema_violation", "language")
    add("language is a number", raw(language=1), "schema_violation", "language")
    return cases


def _exactly(size: int) -> bytes:
    """A valid-looking article of exactly ``size`` bytes."""
    value = raw(body="")
    return raw(body="x" * (size - len(value)))


def _accepted() -> list[Accepted]:
    out: list[Accepted] = []

    def add(name: str, value: bytes, contains: str = "", lacks: str = "") -> None:
        out.append(Accepted(name, value, contains, lacks))

    add("NUL and other controls inside the body", raw(body="Shelling\x00 resumed\x07 at dawn.\x1b"),
        "Shelling resumed at dawn.", "\x00")
    add("body of only emoji", raw(body="🚀🔥💥 🇺🇦", title=None), "🚀🔥💥")
    rtl = "\u200fقصف صاروخي على خاركيف. \u05d4\u05e4\u05d2\u05d6\u05d4 \u05d1\u05e7\u05d9\u05d9\u05d1."
    add("right-to-left text", raw(body=rtl, language="ar"), "قصف صاروخي")
    add("mixed scripts", raw(body="Київ, Kyiv, キーウ and 基辅: air raid alert in all four spellings."), "キーウ")
    add("zero-width characters inside words",
        raw(body="Evac\u200buation of Pok\u00adrovsk con\u2060tinued\ufeff today."),
        "Evacuation of Pokrovsk continued today.")
    add("CRLF line endings", raw(body="First paragraph here.\r\n\r\nSecond paragraph here.\r\n"),
        "First paragraph here.\n\nSecond paragraph here.", "\r")
    add("old Mac CR line endings", raw(body="First paragraph here.\r\rSecond paragraph here."), "Second paragraph",
        "\r")
    add("Unicode line and paragraph separators", raw(body="One line.\u2028Another line.\u2029Last one."), "Last one.")
    add("decomposed accents (NFD)", raw(body="Cafe\u0301 owners in Odesa\u0301 hid in shelters."), "Caf\u00e9")
    add("mojibake", raw(body="The mayorâ€™s office said residents should leave."), "mayor’s")
    add("HTML entities", raw(body="Talks in Geneva &amp; Istanbul were &quot;constructive&quot;."), "Geneva")
    add("body of 900 KB", _body_of(900 * 1024), "Kharkiv")
    add("exactly the size limit", _exactly(MAX_BYTES), "xxxx")
    add("UTF-8 byte-order mark", b"\xef\xbb\xbf" + raw(), "Kharkiv")
    add("pretty-printed JSON", json.dumps(article(), indent=4, ensure_ascii=False).encode(), "Kharkiv")
    add("all non-ASCII as \\u escapes", json.dumps(article(body="Kyiv — “calm” ✈️ 𝕏")).encode(), "“calm”")
    add("escaped quotes and backslashes in the body", raw(body='He said: "We are \\ready\\."\\'), '"We are')
    add("keys in a different order", orjson.dumps(dict(reversed(list(BASE.items())))), "Kharkiv")
    add("optional fields null", raw(title=None, source=None, url=None, published_at=None, language=None), "Kharkiv")
    add("optional fields absent", raw(title=DROP, source=DROP, url=DROP, published_at=DROP, language=DROP), "Kharkiv")
    add("unknown extra fields", raw(tags=["war"], meta={"crawler": {"v": 3}}, score=0.5), "Kharkiv")
    add("duplicate keys nested in an extra field", _json_with('"meta": {"k": 1, "k": 2}'), "Kharkiv")
    add("nesting 500 deep in an extra field", _json_with('"extra": ' + "[" * 500 + "]" * 500), "Kharkiv")
    add("article_id of 200 non-ASCII characters", raw(article_id="статья-" + "ї" * 193), "Kharkiv")
    add("title of exactly 1000 characters", raw(title="T" * 1000), "Kharkiv")
    add("published_at with fraction, offset and lower case", raw(published_at="2024-03-01t10:00:00.123456+05:30"),
        "Kharkiv")
    add("schema_version written 1.0", raw().replace(b'"schema_version":1,', b'"schema_version":1.0,'),
        "Kharkiv")
    add("region subtag language", raw(language="pt-BR"), "Kharkiv")
    add("tabs, NBSP and runs of blank lines", raw(body="\t  Kherson\u00a0\u00a0was  shelled.\n\n\n\n\n  Again.  "),
        "Kherson was shelled.")
    add("one very long line", raw(body=("word " * 40_000).strip() + "."), "word word")
    add("digits only", raw(body="2024"), "2024")
    add("combining marks piled on one letter", raw(body="Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357 alert."), "alert")
    return out


def _body_of(size: int) -> bytes:
    sentence = "Russian drones struck Kharkiv overnight and 12 people were evacuated from the area. "
    return raw(body=(sentence * (size // len(sentence)))[: size - len(raw(body=""))].strip())


MALFORMED: list[Case] = _malformed()
ACCEPTED: list[Accepted] = _accepted()
