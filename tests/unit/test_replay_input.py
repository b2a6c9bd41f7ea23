import asyncio
import io

from streams.replay import InputError, Pacer, expand, read_articles
from tests.conftest import SEEDS


def test_directory_of_txt_files(tmp_path):
    items = list(read_articles([str(SEEDS)]))
    assert [a["article_id"] for a in items] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert all(a["schema_version"] == 1 and a["body"] for a in items)


def test_jsonl_and_stdin(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"article_id": "j1", "body": "x"}\n\nnot json\n[1]\n', encoding="utf-8")
    items = list(read_articles([str(f)]))
    assert items[0] == {"article_id": "j1", "body": "x", "schema_version": 1}
    assert [type(i) for i in items[1:]] == [InputError, InputError]
    stdin = io.StringIO('{"article_id": "s1", "body": "y"}\n')
    assert [a["article_id"] for a in read_articles(["-"], stdin=stdin)] == ["s1"]


def test_missing_path_and_bad_encoding(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    items = list(read_articles([str(tmp_path / "nope"), str(bad)]))
    assert all(isinstance(i, InputError) for i in items)
    assert "no such file" in str(items[0]) and "not UTF-8" in str(items[1])


def test_repeat_and_loop_make_distinct_ids():
    base = [{"article_id": "a", "body": "x"}, {"article_id": "b", "body": "y"}]
    assert [a["article_id"] for a in expand(base, 1, 0)] == ["a", "b"]
    assert [a["article_id"] for a in expand(base, 3, 0)] == ["a-r1", "a-r2", "a-r3", "b-r1", "b-r2", "b-r3"]
    assert [a["article_id"] for a in expand(base, 2, 1)] == ["a-r1-l1", "a-r2-l1", "b-r1-l1", "b-r2-l1"]
    assert [a["article_id"] for a in expand(base, 1, 2)] == ["a-l2", "b-l2"]


def test_pacer_rate_and_speedup():
    async def run(pacer, articles):
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for a in articles:
            await pacer.wait(a)
        return loop.time() - t0

    assert 0.35 <= asyncio.run(run(Pacer(rate=10, speedup=None), [{}] * 5)) < 3.0
    timed = [{"published_at": "2024-01-01T00:00:00Z"}, {"published_at": "2024-01-01T00:00:10Z"}]
    assert 0.09 <= asyncio.run(run(Pacer(rate=None, speedup=100), timed)) < 3.0
