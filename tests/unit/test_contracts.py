"""schemas/ is the public contract: valid 2020-12 schemas, mirrored by the records."""

import dataclasses

import jsonschema
import orjson
import pytest

from streams import records, topics
from streams.deadletter import REASONS, dead_letter
from streams.schemas import NAMES, SCHEMA_DIR, SchemaError, load, validate
from streams.settings import Settings, describe


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_2020_12(name):
    schema = load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "schema_version" in schema["required"]


def test_every_topic_names_a_schema_file():
    for spec in topics.ALL:
        assert (SCHEMA_DIR / f"{spec.schema}.json").is_file(), spec
    assert {t.name for t in topics.ALL} == {
        "articles.raw", "articles.normalised", "feeds.strikes", "feeds.evacuations", "feeds.diplomacy",
        "feeds.unrouted", "articles.dead-letter",
    }


@pytest.mark.parametrize(
    "record, schema",
    [(records.RawArticle, "raw_article"), (records.Article, "normalised_article"),
     (records.FeedMessage, "feed_message"), (records.DeadLetter, "dead_letter")],
)
def test_records_mirror_schemas(record, schema):
    fields = {f.name.rstrip("_") for f in dataclasses.fields(record)}
    assert fields == set(load(schema)["properties"])


def test_dead_letter_reasons_match_the_schema():
    assert set(REASONS) == set(load("dead_letter")["properties"]["reason"]["enum"])


def test_dead_letter_record_keeps_the_original_bytes():
    letter = dead_letter(reason="invalid_utf8", detail="bad", stage="normalise", topic="articles.raw", partition=2,
                         offset=41, key=b"k1", value=b"\xff\xfe binary", article_id=None, max_payload=1024)
    as_json = orjson.loads(orjson.dumps(letter))
    validate("dead_letter", as_json)
    import base64

    assert as_json["payload_encoding"] == "base64"
    assert base64.b64decode(as_json["payload"]) == b"\xff\xfe binary"
    assert (as_json["topic"], as_json["partition"], as_json["offset"]) == ("articles.raw", 2, 41)
    assert not as_json["truncated"]


def test_dead_letter_of_a_huge_payload_is_truncated_but_identified():
    import hashlib

    value = ("é" * 600_000).encode()
    letter = dead_letter(reason="oversized", detail="too big", stage="normalise", topic="articles.raw", partition=0,
                         offset=1, key=None, value=value, article_id=None, max_payload=1001)
    assert letter.truncated and letter.payload_encoding == "utf-8"  # cut at a character boundary
    assert letter.payload == "é" * 500
    assert letter.payload_bytes == len(value)
    assert letter.payload_sha256 == hashlib.sha256(value).hexdigest()


def test_unknown_reason_is_a_programming_error():
    with pytest.raises(ValueError):
        dead_letter(reason="whatever", detail="", stage="normalise", topic="t", partition=0, offset=0, key=None,
                    value=b"", article_id=None, max_payload=10)


def test_validation_error_names_the_field():
    with pytest.raises(SchemaError) as info:
        validate("raw_article", {"schema_version": 1, "article_id": "a", "body": "x", "url": 3})
    assert info.value.path == "url"


# ---- settings

def test_settings_read_from_the_environment():
    s = Settings.from_env({"NEWSWIRE_BROKER": "k1:9092,k2:9092", "NEWSWIRE_PARTITIONS": "8"})
    assert s.bootstrap_servers == ["k1:9092", "k2:9092"]
    assert s.partitions == 8
    assert Settings.from_env({"NEWSWIRE_BROKER": "k1:9092"}, broker="cli:1").broker == "cli:1"


def test_settings_defaults_bind_loopback():
    s = Settings.from_env({})
    assert s.web_host == "127.0.0.1"
    assert s.max_message_bytes == 1024 * 1024


def test_bad_setting_is_a_clear_error():
    with pytest.raises(ValueError, match="NEWSWIRE_PARTITIONS"):
        Settings.from_env({"NEWSWIRE_PARTITIONS": "four"})


def test_password_never_printed():
    s = Settings.from_env({"NEWSWIRE_SASL_PASSWORD": "hunter2", "NEWSWIRE_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                           "NEWSWIRE_SASL_USERNAME": "u", "NEWSWIRE_SASL_MECHANISM": "SCRAM-SHA-256"})
    assert "hunter2" not in repr(s) and "hunter2" not in str(s)
    opts = s.kafka_client_options()
    assert opts["sasl_mechanism"] == "SCRAM-SHA-256" and opts["sasl_plain_password"] == "hunter2"


def test_every_setting_is_documented():
    for name, _default, doc in describe():
        assert name.startswith("NEWSWIRE_") and doc


def test_readme_documents_every_setting():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, default, _doc in describe():
        assert f"| `{name}` |" in readme, name


def test_no_code_executing_deserialiser():
    """Messages are JSON (orjson) everywhere; nothing unpickles, unmarshals or evals what it reads."""
    import re

    from tests.conftest import ROOT

    banned = re.compile(r"\b(?:pickle|cPickle|marshal|shelve|dill)\b|yaml\.(?:load|unsafe_load)\(|\beval\(|\bexec\(")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "streams").rglob("*.py")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if banned.search(line)]
    assert offenders == []


def test_faust_app_uses_raw_bytes_everywhere(tmp_path):
    """faust's default serialiser is JSON, but a Record or 'pickle' codec could slip in: every topic is raw."""
    from streams.app import create_app

    app = create_app(Settings.from_env({}, broker="127.0.0.1:1", data_dir=tmp_path))
    assert app.conf.key_serializer == "raw" and app.conf.value_serializer == "raw"
    topic = app.newswire_raw_topic  # the one topic faust reads; the agent produces bytes it encoded itself
    assert topic.key_serializer in (None, "raw") and topic.value_serializer in (None, "raw")
