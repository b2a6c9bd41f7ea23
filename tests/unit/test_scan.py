"""The native pass (streams/_scan.c) against the pure-Python one it replaces: same folded text, same matches in
the same order, same sentence starts, on the corpora, the seeds, the benchmark's articles and fuzzed text."""

from __future__ import annotations

import pytest
from hypothesis import given

from streams import tag as tagging
from streams.bench import synthetic_articles
from streams.evaluate import load
from streams.normalise import normalise
from streams.records import RawArticle
from tests.conftest import ROOT, SEEDS
from tests.unit.test_fuzz import bodies, fuzz

EDGE_CASES = ["", " ", "\n", "\n\n\n", "a.\n\n", ". . .", "x\n\n\ny. 12 z", "Kyiv", "end.", ".  ", "!\n",
              "Hello.  World! (x) é. Ünïcode… “Quoted.” Next", "Київ. Харків! 👩‍👩‍👧. Odesa", "3.5 km. 12,000 people",
              "\r\n\r\nA. B", "\t. X", "a" * 5000 + ". B"]


def test_the_native_pass_is_built():
    # scripts/bootstrap compiles it (pip install -e); a tagger quietly on the slow path would miss the target
    assert tagging.scanner_kind() == "native", "streams._scan was not built: is a C compiler installed?"


def test_the_native_filing_is_used():
    assert tagging.lexicon().file is not None  # streams/_scan.c files the matches, in tagging.KINDS' order
    assert tagging.pure_python_lexicon().file is None


def passes():
    return tagging.lexicon().scan, tagging.pure_python_lexicon().scan


def same_pass(text: str) -> None:
    native, pure = passes()
    folded, matches, breaks = native(text)
    want_folded, want_matches, want_breaks = pure(text)
    assert folded == want_folded
    assert breaks == want_breaks
    assert matches == list(want_matches)
    # and the native filing (what tag() runs) files them as _scan does, in the same order
    filed_folded, filed = tagging.lexicon().file(text)
    assert filed_folded == folded
    assert filed == tagging._scan(text, matches, breaks)


def corpus_texts() -> list[str]:
    texts = [i["body"] for name in ("dev", "dev2", "dev3") for i in load(ROOT / f"tests/corpus/{name}.jsonl")]
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return texts + seeds + [a["body"] for a in synthetic_articles(200)]


def test_same_pass_on_corpora_seeds_and_benchmark_articles():
    for text in corpus_texts() + EDGE_CASES:
        same_pass(text)


@fuzz(300)
@given(bodies)
def test_same_pass_on_fuzzed_text(body):
    same_pass(body)


def test_same_tags_end_to_end():
    articles = [normalise(RawArticle(f"a{i}", text)) for i, text in enumerate(corpus_texts()[:400])]
    native = [tagging.tag(a) for a in articles]
    assert [tagging.tag(a, tagging.pure_python_lexicon()) for a in articles] == native
    assert sum(len(t.categories) for t in native) > 100  # the corpora do route: the comparison is not of empties


def test_scanner_matches_overlapping_keys_longest_first():
    scan = tagging._NativeScanner([" kyiv ", " kyiv region ", " region ", "iv r"], [1, 2, 3, 4]).scan
    folded, matches, breaks = scan("Kyiv Region. Lviv")
    assert folded == "kyiv region  lviv"
    # padded text " kyiv region  lviv ": " kyiv " ends at 5, "iv r" at 6, " kyiv region " and " region " at 12
    assert matches == [(5, 1), (6, 4), (12, 2), (12, 3)]
    assert breaks == [0, 13]


@pytest.mark.parametrize("keys, values, error", [
    ([" Kyiv "], [1], ValueError),       # not folded
    ([" kyiv. "], [1], ValueError),      # outside the alphabet
    ([""], [1], ValueError),
    ([" a ", " a "], [1, 2], ValueError),  # a key twice
    ([" a "], [1, 2], ValueError),       # lengths differ
    ([b" a "], [1], ValueError),         # bytes
])
def test_scanner_rejects_keys_it_cannot_hold(keys, values, error):
    with pytest.raises(error):
        tagging._NativeScanner(keys, values)


def test_scan_takes_text_only():
    scan = tagging._NativeScanner([" a "], [1]).scan
    with pytest.raises(TypeError):
        scan(b"a")


def test_scan_filed_files_each_kind_and_checks_case():
    kinds = {k: i for i, k in enumerate(tagging.KINDS)}
    values = [(4, 0, ((kinds["PLACE"], "kyiv-ref", True),)),     # a place that must be capitalised
              (3, 0b101, ((kinds["CUE"], "rule", None),)),         # a cue that is also a context word
              (3, 0, ((kinds["NEG"], None, None), (kinds["GATE"], "war", "war")))]
    scanner = tagging._NativeScanner([" kyiv ", " hit ", " war "], values)
    folded, breaks, cues, context_at, context_rules, vetoes, gates, guards, masks, entities, numbers, marks = \
        scanner.scan_filed("Kyiv hit war. kyiv")
    assert folded == "kyiv hit war  kyiv"
    assert entities == [(0, -4, kinds["PLACE"], "kyiv-ref")]  # the lower-case "kyiv" fails its case check
    assert cues == [(9, 3, "rule", None)] and context_at == [9] and context_rules == [0b101]
    assert guards == [(9, 12, kinds["NEG"])] and gates == {"war"}
    assert vetoes == masks == numbers == marks == [] and breaks == [0]  # "kyiv" opens no sentence


def test_scan_filed_rejects_values_it_cannot_file():
    with pytest.raises(TypeError):
        tagging._NativeScanner([" a "], [1]).scan_filed("a")
    with pytest.raises(TypeError):
        tagging._NativeScanner([" a "], [(1, 0, [(0, None, None)])]).scan_filed("a")
