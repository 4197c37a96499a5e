"""The negative-sentiment model: weights over character n-grams of the normalised text.

P(negative) = sigmoid(bias + Σ weight(g) for every occurrence of every listed n-gram g). Counting
occurrences is exactly what a weigher (checks/weigher.py) sums: inside a check the sentiment
analyzer weighs each text once; standalone, `logit` builds the model's own weigher on first use.

The file format (written by scripts/train_sentiment.py, shipped as package data):

    # redline-sentiment-ngrams 1
    # ...comments...
    bias<TAB>-0.1234
    不好用<TAB>1.2345
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from pathlib import Path

from redline.checks.weigher import make_weigher
from redline.errors import PolicyError

FORMAT_LINE = "# redline-sentiment-ngrams 1"
SHIPPED_MODEL = "sentiment_ngrams.tsv"


def shipped_model_path() -> Path:
    """Where the shipped weights live in a source checkout (the training script writes here)."""
    return Path(__file__).with_name("data") / SHIPPED_MODEL


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)  # no overflow for very negative x
    return z / (1.0 + z)


class SentimentModel:
    """Bias and n-gram weights; `logit`/`probability` score a NORMALISED text."""

    __slots__ = ("bias", "weights", "source", "_weigher")

    def __init__(self, bias: float, weights: dict[str, float], source: str):
        self.bias = bias
        self.weights = dict(weights)
        self.source = source
        self._weigher = None  # built on first use: inside a check the analyzer weighs the texts

    @classmethod
    def parse(cls, text: str, source: str) -> "SentimentModel":
        lines = text.splitlines()
        if not lines or lines[0].strip() != FORMAT_LINE:
            raise PolicyError(f"情感模型 {source} 格式不对：第 1 行应为 `{FORMAT_LINE}`")
        bias: float | None = None
        weights: dict[str, float] = {}
        for number, line in enumerate(lines[1:], 2):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0]:
                raise PolicyError(f"情感模型 {source} 第 {number} 行应为「n-gram<TAB>权重」：{line[:40]!r}")
            try:
                weight = float(parts[1])
            except ValueError:
                raise PolicyError(f"情感模型 {source} 第 {number} 行的权重不是数字：{parts[1][:20]!r}") from None
            if not math.isfinite(weight):
                raise PolicyError(f"情感模型 {source} 第 {number} 行的权重不是有限数：{parts[1][:20]!r}")
            if parts[0] == "bias":
                bias = weight
            elif parts[0] in weights:
                raise PolicyError(f"情感模型 {source} 第 {number} 行重复了 n-gram {parts[0]!r}")
            else:
                weights[parts[0]] = weight
        if bias is None:
            raise PolicyError(f"情感模型 {source} 缺少 bias 行")
        return cls(bias, weights, source)

    def logit(self, text: str) -> float:
        if self._weigher is None:
            self._weigher = make_weigher(list(self.weights), list(self.weights.values()))
        return self.bias + self._weigher.total(text)

    def probability(self, text: str) -> float:
        return sigmoid(self.logit(text))


@lru_cache(maxsize=4)
def load_model(path: str = "") -> SentimentModel:
    """The shipped model ("") or a model file a user trained (the policy's `model` key)."""
    if not path:
        text = resources.files("redline.checks").joinpath("data", SHIPPED_MODEL).read_text("utf-8")
        return SentimentModel.parse(text, source=SHIPPED_MODEL)
    try:
        text = Path(path).expanduser().read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"无法读取情感模型文件 {path}：{exc}") from exc
    return SentimentModel.parse(text, source=path)
