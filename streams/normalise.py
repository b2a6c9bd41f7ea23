"""Stage 1, normalise: raw bytes from ``articles.raw`` → a clean ``Article``.

Two pure functions, no I/O:

* ``parse(value, max_bytes)`` decodes and validates a raw message, raising
  ``Rejected(reason, detail)`` for anything that must go to the dead-letter topic;
* ``normalise(raw)`` repairs Unicode (ftfy, NFC), folds whitespace, keeps
  boilerplate (UI strings, photo captions, agency credits) out of the body but
  records it, finds a title for plain text, rewrites place-name variants to
  one spelling, and computes the content hash, word count and language.

The faust agent in ``streams.app`` is a thin loop around them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

import orjson

from . import gazetteer
from .codec import rfc3339
from .records import RAW_VERSION, Article, Boilerplate, RawArticle, Spelling
from .schemas import SchemaError, validate


class Rejected(Exception):
    """A message that cannot be processed; ``reason`` is a dead-letter reason code."""

    def __init__(self, reason: str, detail: str, article_id: str | None = None):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.article_id = article_id


# ---------------------------------------------------------------- parse

def parse(value: bytes | None, max_bytes: int) -> RawArticle:
    """Decode and validate one ``articles.raw`` value (schemas/raw_article.json)."""
    if value is None:
        raise Rejected("invalid_json", "message has no value (tombstone)")
    if len(value) > max_bytes:
        raise Rejected("oversized", f"message is {len(value)} bytes, the limit is {max_bytes}")
    if value[:3] == b"\xef\xbb\xbf":  # a UTF-8 byte-order mark is harmless: drop it
        value = value[3:]
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        text = str(exc)
        if "UTF-8" in text or "utf-8" in text:
            raise Rejected("invalid_utf8", f"value is not valid UTF-8 ({_guess_encoding(value)}): {text}") from None
        raise Rejected("invalid_json", f"value is not valid JSON: {text}") from None
    if not isinstance(data, dict):
        raise Rejected("not_an_object", f"value is a JSON {type(data).__name__}, expected an object")
    article_id = data.get("article_id") if isinstance(data.get("article_id"), str) else None
    version = data.get("schema_version")
    if version is not None and version != RAW_VERSION:
        raise Rejected(
            "unsupported_schema_version", f"schema_version {version!r} is not supported (expected {RAW_VERSION})", article_id
        )
    try:
        validate("raw_article", data)
    except SchemaError as exc:
        body = data.get("body")
        if exc.path == "body" and isinstance(body, str) and not body.strip():
            raise Rejected("empty_body", "body is empty or only white space", article_id) from None
        raise Rejected("schema_violation", f"{exc.path}: {exc}", article_id) from None
    return RawArticle(
        article_id=data["article_id"],
        body=data["body"],
        title=data.get("title"),
        source=data.get("source"),
        url=data.get("url"),
        published_at=data.get("published_at"),
        language=data.get("language"),
    )


def _guess_encoding(value: bytes) -> str:
    if value[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(value) > 1 and value[1:2] == b"\x00"):
        return "looks like UTF-16"
    try:
        value.decode("cp1252")
        return "looks like a single-byte encoding such as Windows-1252"
    except UnicodeDecodeError:
        return "binary or unknown encoding"


# ---------------------------------------------------------------- normalise

#: Whole lines that are website furniture, not article text (compared case-folded).
UI_LINES = frozenset(
    s.casefold()
    for s in (
        "Guardar", "Keep reading:", "Keep reading", "Read more", "Read more:", "Share", "Share this article",
        "Advertisement", "Subscribe", "Seguir leyendo", "Compartir", "Leer más", "Follow us", "Listen to this article",
    )
)
#: Outlet names that appear alone on a line (a source credit left by a scraper).
OUTLET_LINES = frozenset(s.casefold() for s in ("Infobae", "Reuters", "AFP", "AP", "EFE", "Europa Press", "TASS", "Ukrinform"))
_AGENCIES = r"(?:REUTERS|Reuters|AFP|AP|EFE|Getty Images|ANADOLU|Anadolu|EPA|TASS|Sputnik|Ukrinform|UNIAN|Europa Press)"
#: A photo credit "REUTERS/Name", "(EFE/Name)", "Photo: AFP".
CREDIT = re.compile(rf"(?:\b{_AGENCIES}\s*/\s*\w|\(\s*{_AGENCIES}\s*/[^)]*\)\s*$|^(?:Photo|Image|Foto)\s*:\s)")
#: "(With information from Reuters and AFP)", "With reporting by ...", "(Editing by ...)".
ATTRIBUTION = re.compile(
    r"^\(?\s*(?:with (?:information|reporting|input)s? from|reporting by|editing by|additional reporting|con información de)\b",
    re.IGNORECASE,
)
_KEYWORD_CAPTION = re.compile(r"^(?:[A-Z][\w'’-]*(?: [\w'’-]+){0,3}, ){2,}[A-Z][\w'’-]*(?: [\w'’-]+){0,3}\.?$")
_SENTENCE_END = re.compile(r"[.!?…\"”’»:;)]$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_MOJIBAKE = re.compile(r"[ÃÂâÐÑ][\x80-\xbf\u0152-\u2122]|&(?:[a-z]+|#\d+);")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?=\s+[A-Z“\"]|$)", re.S)

_LANG_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that was for on with as by from has have are it said".split()),
    "es": frozenset("el la de que y en los las del por con una para es se al".split()),
    "fr": frozenset("le la les de des et en un une du est que pour dans par sur".split()),
    "de": frozenset("der die das und den von zu mit ist im nicht ein eine dem des auf".split()),
    "it": frozenset("il di che la e le per un una del della è sono con gli".split()),
    "pt": frozenset("o a os as de que e do da em um uma para com não dos".split()),
}


def normalise(raw: RawArticle, now: datetime | None = None) -> Article:
    """Clean one raw article. Pure: the same input (and ``now``) gives the same output."""
    lines = [_clean_line(line) for line in _repair(raw.body).splitlines()]
    kept, boilerplate = _split_boilerplate(lines)
    title, title_source, kept = _title(raw.title, kept)
    body = "\n\n".join(kept)
    if not body:  # everything was boilerplate: keep the text rather than lose the article
        body = "\n\n".join(line for line in lines if line)
        boilerplate = []
    body, spellings = canonical_places(body)
    title, title_spellings = canonical_places(title)
    if title_source == "first_sentence":
        title_spellings = {}  # the same words are counted in the body already
    words = _WORD.findall(body)
    return Article(
        article_id=raw.article_id,
        title=title,
        title_source=title_source,
        body=body,
        boilerplate=boilerplate,
        spellings=_merge_spellings(spellings, title_spellings),
        content_hash="sha256:" + hashlib.sha256(f"{title}\n\n{body}".encode("utf-8")).hexdigest(),
        word_count=max(1, len(words)),
        language=raw.language or detect_language(words),
        normalised_at=rfc3339(now),
        source=raw.source,
        url=raw.url,
        published_at=raw.published_at,
    )


def _repair(text: str) -> str:
    if not text.isascii() and _MOJIBAKE.search(text):
        import ftfy  # only for text that shows mojibake: ftfy is the slow path

        text = ftfy.fix_text(text, uncurl_quotes=False)  # repair, but keep the typography
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", text)


def _clean_line(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def _split_boilerplate(lines: list[str]) -> tuple[list[str], list[Boilerplate]]:
    kept: list[str] = []
    boilerplate: list[Boilerplate] = []
    previous_was_boilerplate = False
    for i, line in enumerate(lines):
        if not line:
            continue
        kind = _boilerplate_kind(line, lines[i + 1] if i + 1 < len(lines) else "", previous_was_boilerplate)
        if kind:
            boilerplate.append(Boilerplate(kind, line))
        else:
            kept.append(line)
        previous_was_boilerplate = kind is not None
    return kept, boilerplate


def _boilerplate_kind(line: str, next_line: str, after_boilerplate: bool) -> str | None:
    folded = line.casefold()
    if folded in UI_LINES:
        return "ui"
    if folded in OUTLET_LINES:
        return "outlet"
    if ATTRIBUTION.match(line):
        return "attribution"
    if CREDIT.search(line):
        return "credit"  # a photo caption carrying an agency credit
    short = len(line) <= 80 and not _SENTENCE_END.search(line)
    if short and next_line.startswith(line) and len(next_line) > len(line):
        return "caption"  # a caption's alt text repeated before the full caption
    if _KEYWORD_CAPTION.match(line):
        return "caption"  # "Mercenaries, Wagner Group, Russia."
    if short and after_boilerplate and len(line.split()) <= 8:
        return "caption"  # a short line inside a run of captions
    return None


def _title(provided: str | None, lines: list[str]) -> tuple[str, str, list[str]]:
    if provided and provided.strip():
        return _clean_line(_repair(provided)), "provided", lines
    if not lines:
        return "", "first_sentence", lines
    first = lines[0]
    words = first.split()
    if 3 <= len(words) <= 25 and len(first) <= 200 and not first.endswith((".", ";", ":")) and len(lines) > 1:
        return first, "headline", lines[1:]
    match = _FIRST_SENTENCE.match(first)
    sentence = match.group(1) if match else first
    return _shorten(sentence.rstrip("."), 120), "first_sentence", lines


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _variant_pattern() -> re.Pattern[str]:
    variants = sorted(gazetteer.spelling_variants(), key=len, reverse=True)
    guarded = gazetteer.region_bases()
    region = "|".join(gazetteer.REGION_WORDS)
    alts = [re.escape(v) + (rf"(?!\s+(?:{region})\b)" if v in guarded else "") for v in variants]
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])")


_VARIANTS = _variant_pattern()


def canonical_places(text: str) -> tuple[str, dict[str, tuple[str, int]]]:
    """Rewrite place-name variants (Kiev, Kharkov, Izyum, ...) to the canonical spelling."""
    counts: dict[str, tuple[str, int]] = {}
    table = gazetteer.spelling_variants()

    def swap(m: re.Match[str]) -> str:
        variant = m.group(0)
        canonical = table[variant]
        counts[variant] = (canonical, counts.get(variant, (canonical, 0))[1] + 1)
        return canonical

    return _VARIANTS.sub(swap, text), counts


def _merge_spellings(*parts: dict[str, tuple[str, int]]) -> list[Spelling]:
    total: dict[str, tuple[str, int]] = {}
    for part in parts:
        for variant, (canonical, n) in part.items():
            total[variant] = (canonical, total.get(variant, (canonical, 0))[1] + n)
    return [Spelling(v, c, n) for v, (c, n) in sorted(total.items())]


def detect_language(words: list[str]) -> str:
    """A cheap stop-word vote; 'und' when no language stands out."""
    sample = words[:400]
    if not sample:
        return "und"
    cyrillic = sum(1 for w in sample if "\u0400" <= w[0] <= "\u04ff")
    if cyrillic > len(sample) / 2:
        text = "".join(sample)
        return "uk" if any(c in text for c in "іїєґІЇЄҐ") else "ru"
    lowered = [w.lower() for w in sample]
    scores = {lang: sum(1 for w in lowered if w in stop) for lang, stop in _LANG_STOPWORDS.items()}
    best = max(scores, key=scores.__getitem__)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] >= 3 and ranked[0] >= 1.5 * ranked[1]:
        return best
    return "und"
