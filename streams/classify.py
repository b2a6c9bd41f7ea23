"""The article classifier: a second opinion on the tagging rules, learned from the labelled corpus.

The rules in data/tagging.toml say *why* an article is routed (evidence, rule ids, subtypes) and handle
negation and the hypothetical; but on text nobody tuned them on they miss phrasings and fire on look-alikes.
A logistic regression over the article's words, trained on the development corpora, generalises better
(tests/corpus/README.md has the figures). ``tag`` uses both:

- a category the rules fired is kept unless the classifier gives it less than ``keep_above``;
- a category the rules did not fire is routed when the classifier gives it more than ``route_above``,
  with the sentence that weighs most for it as evidence (rule id ``classifier``).

Features: the words (2+ characters) of the folded text, as 1 + ln(tf) times idf, L2-normed. Scoring runs in
C (streams/_classify.c) when it was built and in Python otherwise, with the same floats.

Train (needs the ``train`` extra, scikit-learn; held-out files are refused):
    python -m streams.classify tests/corpus/dev*.jsonl
which rewrites data/classifier.tsv, the model ``tag`` loads.
"""

from __future__ import annotations

import functools
import hashlib
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

try:
    from ._classify import Model as _NativeModel
except ImportError:  # built without a C compiler: the pure-Python scorer below gives the same numbers
    _NativeModel = None

MODEL = Path(__file__).resolve().parent / "data" / "classifier.tsv"
CLASSES = ("strikes", "evacuations", "diplomacy")
RULE_ID = "classifier"
VERSION = "2026.12-1"
C = 10.0  # inverse regularisation strength, chosen on the development sets in time order (corpus README)
KEEP_ABOVE = 0.2  # a category the rules fired is dropped at or below this probability
ROUTE_ABOVE = 0.7  # a category the rules missed is routed above this probability
# The corpus articles it learns from are 350–1,060 characters long. A shorter text is too few words for it to
# judge (it abstains); a longer one is judged in windows of about that size, cut at spaces, and the article
# gets each class's highest window (an article reports an event when one part of it does).
MIN_CHARS = 250
WINDOW_CHARS = 1000

@dataclass(frozen=True, slots=True)
class Classifier:
    version: str
    classes: tuple[str, ...]
    index: dict[str, int]  # token → row
    idf: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]  # per token, one weight per class
    bias: tuple[float, ...]
    keep_above: float
    route_above: float
    probabilities: Callable[[str], tuple[float, ...]]  # folded text → one probability per class
    judge: Callable[[str, int, int], tuple[float, ...] | None]  # (folded, window, min chars) → best window's
    position: dict[str, int] = None  # class → its place in ``classes``

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", {c: i for i, c in enumerate(self.classes)})

    def features(self, folded: str) -> tuple[list[tuple[int, float]], float]:
        """(row, 1 + ln tf times idf) per known word in order of first sight, and the vector's L2 norm."""
        counts: dict[int, int] = {}
        index = self.index
        for word in folded.split():
            if len(word) > 1:
                i = index.get(word)
                if i is not None:
                    counts[i] = counts.get(i, 0) + 1
        idf = self.idf
        xs = [(i, (1.0 + math.log(c)) * idf[i]) for i, c in counts.items()]
        norm = 0.0
        for _, x in xs:
            norm += x * x
        return xs, (math.sqrt(norm) if norm > 0.0 else 1.0)

    def pure_probabilities(self, folded: str) -> tuple[float, ...]:
        """The same sums as streams/_classify.c, in the same order, so the same floats."""
        xs, scale = self.features(folded)
        margins = [0.0] * len(self.classes)
        weights = self.weights
        for i, x in xs:
            row = weights[i]
            for c in range(len(margins)):
                margins[c] += x * row[c]
        return tuple(1.0 / (1.0 + math.exp(-(m / scale + b))) for m, b in zip(margins, self.bias))

    def pure_judge(self, folded: str, window: int = WINDOW_CHARS, min_chars: int = MIN_CHARS) -> tuple[float, ...] | None:
        """The pure-Python ``judge``: the same windows as streams/_classify.c, so the same floats."""
        if len(folded.strip(" ")) < min_chars:
            return None
        n = len(folded)
        windows = 1 if n <= window + window // 2 else (n + window // 2) // window
        best = None
        start = 0
        for w in range(1, windows + 1):
            end = n if w == windows else w * n // windows
            space = folded.find(" ", end)
            end = n if space < 0 else space  # never cut a word
            p = self.pure_probabilities(folded[start:end])
            best = p if best is None else tuple(map(max, best, p))
            start = end
        return best

    def strongest(self, category: str, text: str, folded: str, breaks: list[int]) -> tuple[int, int, int, int]:
        """The sentence that weighs most for ``category`` and its heaviest word: (start, end, word start, end).
        Only asked for a category the classifier routed alone, so its cost stays off the common path."""
        c = self.classes.index(category)
        best = (-math.inf, 0, len(text), 0, 0)
        bounds = breaks + [len(text)]
        for s in range(len(breaks)):
            start, end = bounds[s], bounds[s + 1]
            total, top, top_at = 0.0, -math.inf, (start, start)
            seen: set[int] = set()
            at = start
            for word in folded[start:end].split(" "):
                i = self.index.get(word) if len(word) > 1 else None
                if i is not None and i not in seen:
                    seen.add(i)
                    w = self.idf[i] * self.weights[i][c]
                    total += w
                    if w > top:
                        top, top_at = w, (at, at + len(word))
                at += len(word) + 1
            if total > best[0]:
                best = (total, start, end, *top_at)
        _, start, end, w0, w1 = best
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end, w0, w1


def read(path: Path = MODEL, native: bool | None = None) -> Classifier:
    """The model file: ``# key<TAB>value`` header lines, then ``token<TAB>idf<TAB>weight per class``."""
    meta: dict[str, str] = {}
    tokens: list[str] = []
    idf: list[float] = []
    weights: list[tuple[float, ...]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].strip().partition("\t")
            meta[key] = value
        elif line:
            token, x, *ws = line.split("\t")
            tokens.append(token)
            idf.append(float(x))
            weights.append(tuple(map(float, ws)))
    classes = tuple(meta["classes"].split(","))
    bias = tuple(map(float, meta["bias"].split(",")))
    model = Classifier(meta["version"], classes, {t: i for i, t in enumerate(tokens)}, tuple(idf), tuple(weights),
                       bias, float(meta["keep_above"]), float(meta["route_above"]), None, None)
    if native is None:
        native = _NativeModel is not None
    scorer = _NativeModel(tokens, [(x, *w) for x, w in zip(idf, weights)], bias) if native else None
    object.__setattr__(model, "probabilities", scorer.probabilities if native else model.pure_probabilities)
    object.__setattr__(model, "judge", scorer.judge if native else model.pure_judge)
    return model


@functools.cache
def classifier() -> Classifier:
    return read()


def native() -> bool:
    """Was streams/_classify.c built? (Else the pure-Python scorer runs: same numbers, about 15× slower.)"""
    return _NativeModel is not None


# ---------------------------------------------------------------- training (python -m streams.classify)


def _documents(paths: list[str]) -> list[tuple[str, set[str]]]:
    from .evaluate import is_sealed, load
    from .normalise import normalise
    from .records import RawArticle
    from .tag import lexicon

    fold = lexicon().scan  # the folded text exactly as the tagger hands it to the classifier
    docs = []
    for path in paths:
        if is_sealed(path):
            raise SystemExit(f"{path}: a held-out file; the classifier never sees one")
        for item in load(path):
            raw = RawArticle(item["article_id"], item["body"], title=item.get("title"))
            docs.append((fold(normalise(raw).body)[0], set(item["expected"]["feeds"])))
    return docs


def train(paths: list[str], out: Path = MODEL) -> Classifier:
    """Fit one logistic regression per class on the development corpora and write the model file."""
    from sklearn.linear_model import LogisticRegression  # the `train` extra: never needed to run
    from scipy.sparse import csr_matrix

    docs = _documents(paths)
    df: dict[str, int] = {}
    for folded, _ in docs:
        for word in {w for w in folded.split() if len(w) > 1}:
            df[word] = df.get(word, 0) + 1
    tokens = sorted(w for w, n in df.items() if n >= 2)  # a word seen once says nothing general
    n = len(docs)
    idf = [math.log((1 + n) / (1 + df[t])) + 1.0 for t in tokens]
    zero = Classifier(VERSION, CLASSES, {t: i for i, t in enumerate(tokens)}, tuple(idf),
                      tuple((0.0,) * len(CLASSES) for _ in tokens), (0.0,) * len(CLASSES), KEEP_ABOVE, ROUTE_ABOVE,
                      None, None)
    rows, cols, vals = [], [], []
    for r, (folded, _) in enumerate(docs):
        xs, scale = zero.features(folded)
        for i, x in xs:
            rows.append(r)
            cols.append(i)
            vals.append(x / scale)
    matrix = csr_matrix((vals, (rows, cols)), shape=(n, len(tokens)))
    weights, bias = [], []
    for category in CLASSES:
        fit = LogisticRegression(C=C, class_weight="balanced", max_iter=10000)
        fit.fit(matrix, [category in feeds for _, feeds in docs])
        weights.append(fit.coef_[0])
        bias.append(float(fit.intercept_[0]))
    digest = hashlib.sha256(b"".join(Path(p).read_bytes() for p in sorted(paths))).hexdigest()[:16]
    lines = [f"# version\t{VERSION}", f"# classes\t{','.join(CLASSES)}", f"# bias\t{','.join(f'{b:.6f}' for b in bias)}",
             f"# keep_above\t{KEEP_ABOVE}", f"# route_above\t{ROUTE_ABOVE}",
             f"# trained_on\t{' '.join(Path(p).name for p in sorted(paths))} ({n} articles, sha256 {digest})"]
    for i, token in enumerate(tokens):
        lines.append("\t".join([token, f"{idf[i]:.6f}"] + [f"{w[i]:.6f}" for w in weights]))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read(out)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    model = train(sys.argv[1:])
    print(f"{MODEL}: {len(model.index)} words, classes {', '.join(model.classes)}, bias {model.bias}")
