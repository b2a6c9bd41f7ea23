"""Bad input gets a clear reason and a faithful dead letter; odd but valid input gets through.

The corpus is ``tests/data/malformed.py``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections import Counter

import orjson
import pytest

from streams import metrics
from streams.codec import dumps
from streams.deadletter import REASONS, dead_letter
from streams.normalise import Rejected, normalise, parse
from streams.route import route
from streams.schemas import validate
from streams.settings import Settings
from tests.conftest import RecordingOutbox, drive, pipeline_agent
from tests.data.malformed import ACCEPTED, MALFORMED, MAX_BYTES

PAYLOAD_LIMIT = Settings().dead_letter_payload_bytes


def test_the_corpus_is_broad():
    assert len(MALFORMED) >= 35
    assert len({c.name for c in MALFORMED}) == len(MALFORMED), "case names must be unique"
    assert len({c.value for c in MALFORMED}) == len(MALFORMED), "every case must be a different value"
    assert len({a.name for a in ACCEPTED}) == len(ACCEPTED)
    # every reason parse can give is exercised; processing_error is for bugs, not input
    assert {c.reason for c in MALFORMED} == set(REASONS) - {"processing_error"}


@pytest.mark.parametrize("case", MALFORMED, ids=[c.name for c in MALFORMED])
def test_malformed_value_is_rejected_with_its_reason(case):
    with pytest.raises(Rejected) as info:
        parse(case.value, max_bytes=MAX_BYTES)
    exc = info.value
    assert exc.reason == case.reason, exc.detail
    assert exc.reason in REASONS
    detail = exc.detail
    assert detail.strip() and detail.isprintable(), repr(detail)  # one readable line, no raw control characters
    assert 10 <= len(detail) <= 300, detail  # says what is wrong, and does not echo the payload
    if case.field:
        assert case.field in detail, f"{detail!r} does not name {case.field}"
    if exc.article_id is not None:  # an id is carried only when it is a valid one
        validate("raw_article", {"schema_version": 1, "article_id": exc.article_id, "body": "x"})


@pytest.mark.parametrize("case", MALFORMED, ids=[c.name for c in MALFORMED])
def test_dead_letter_is_valid_and_keeps_the_original(case):
    with pytest.raises(Rejected) as info:
        parse(case.value, max_bytes=MAX_BYTES)
    exc = info.value
    letter = dead_letter(reason=exc.reason, detail=exc.detail, stage="normalise", topic="articles.raw", partition=3,
                         offset=1234, key=b"k-" + case.name.encode(), value=case.value, article_id=exc.article_id,
                         max_payload=PAYLOAD_LIMIT)
    record = orjson.loads(dumps(letter))
    validate("dead_letter", record)
    assert record["reason"] == case.reason and record["detail"] == exc.detail
    text = record["payload"]
    payload = text.encode() if record["payload_encoding"] == "utf-8" else base64.b64decode(text)
    assert record["payload_bytes"] == len(case.value)
    assert record["payload_sha256"] == hashlib.sha256(case.value).hexdigest()
    if len(case.value) <= PAYLOAD_LIMIT:
        assert not record["truncated"]
        assert payload == case.value
    else:  # big payloads keep their first bytes; the hash identifies the whole
        assert record["truncated"]
        assert case.value.startswith(payload) and PAYLOAD_LIMIT - 3 <= len(payload) <= PAYLOAD_LIMIT


@pytest.mark.parametrize("case", ACCEPTED, ids=[a.name for a in ACCEPTED])
def test_odd_but_valid_value_is_normalised_and_routed(case):
    raw = parse(case.value, max_bytes=MAX_BYTES)
    article = normalise(raw)
    validate("normalised_article", orjson.loads(dumps(article)))
    message = route(article)
    record = orjson.loads(dumps(message))
    validate("feed_message", record)
    body = record["article"]["body"]
    assert case.body_contains in body
    if case.body_lacks:
        assert case.body_lacks not in body


# ---- the worker: every malformed value becomes a dead letter, counted by reason, and the stream goes on

def test_the_agent_dead_letters_the_whole_corpus_and_keeps_going(tmp_path):
    outbox = RecordingOutbox()
    agent = pipeline_agent(tmp_path, outbox)
    good = ACCEPTED[0]
    values = [(f"bad-{i}".encode(), c.value) for i, c in enumerate(MALFORMED)] + [(b"good", good.value)]
    counted = Counter(c.reason for c in MALFORMED)
    before = {r: metrics.DEAD_LETTERED.labels("normalise", r)._value.get() for r in counted}

    asyncio.run(drive(agent, values, outbox))
    letters = [d for _, d in outbox.values("articles.dead-letter")]
    assert [d["reason"] for d in letters] == [c.reason for c in MALFORMED]
    for d in letters:
        validate("dead_letter", d)
    assert [k for k, _ in outbox.values("articles.normalised")] == [b"m-001"]  # the good one after all the bad
    for reason, n in counted.items():
        assert metrics.DEAD_LETTERED.labels("normalise", reason)._value.get() == before[reason] + n, reason
