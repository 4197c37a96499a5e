"""Sentiment and discussion (SPEC R-TXT-8): how negative a text is, and whether a comment asks a
specific question (讨论度: 敏感肌能用吗).

Negative sentiment: the shipped n-gram model (`sentiment_model`, trained offline by
scripts/train_sentiment.py) plus the policy's platform words (踩雷, 智商税… which the training
reviews predate). Its n-grams are weighed by `checks.weigher` — natively when the extension is
built: no Python object per occurrence (a note holds over a hundred) — and the detector adds the
bias and takes a sigmoid. Negation (不好用, 没效果, 不推荐) is carried by the 2- and 3-grams, which
the model weighs on their own.

Questions: a sentence is a question when it ends in `?`, ends in a sentence-final particle
(吗/呢…), or contains a question word (怎么, 有没有…) not inside a look-alike (这么, 不怎么);
it is specific when the same sentence names a condition, scenario or attribute (敏感肌, 色号,
多久…). Chit-chat (真的吗, 好看吗) is a question but not a specific one.

Every text gets `scores["negative"]` (0–1) and `scores["question"]` (1.0 for a specific question,
else 0.0). `negative_score` and `is_specific_question` give the same readings outside a check.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import ahocorasick_rs

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.checks.sentiment_model import SentimentModel, load_model, sigmoid
from redline.checks.weigher import make_weigher
from redline.policy import Policy, default_policy
from redline.policy.cache import PerPolicy
from redline.text.normalize import normalizer_for

FAMILY = "sentiment"

# Tags of the question vocabulary (n-gram and lexicon words are tagged with their float weight).
QUESTION_WORD = "question_word"
PARTICLE = "particle"
QUESTION_MARK = "question_mark"
SPECIFIC = "specific"
NOT_QUESTION = "not_question"

# Sentences end at these (normalised: full-width forms are already half-width).
# A full stop between digits (3.5岁) is a decimal point, not the end of a sentence.
# (Runs of ordinary characters are matched as one piece: the same spans, far fewer steps.)
_SENTENCE = re.compile(r"(?:[^。.!?;\n…]+|\.(?=\d))+")
_CLAUSE_BREAKS = "。.!?;\n…,、:"  # the clauses the evidence of a negative text is sought among
_EVIDENCE_WORDS = 3


class Span(NamedTuple):
    """[start, end) in the normalised text."""

    start: int
    end: int


class SentimentReading(NamedTuple):
    """One text's reading (a named tuple: one is made for every text checked)."""

    negative: float  # P(negative), 0–1
    question: Span | None  # the specific question's sentence, when there is one
    negative_span: Span | None  # the most negative clause, when the text is negative
    negative_words: tuple[str, ...]  # the n-grams that weigh most towards negative


class SentimentAnalyzer:
    """The model and the policy's word lists of one policy, read from a normalised text."""

    def __init__(self, policy: Policy):
        settings = policy.checks.sentiment
        self.settings = settings
        self.model: SentimentModel = load_model(settings.model)
        self.weights = combine_lexicon(self.model.weights, settings.negative_words, settings.positive_words, settings.lexicon_weight)
        # Each word carries its rank among the words that weigh towards negative (−1 for the
        # others): the evidence of a negative text names the best-ranked words met.
        ranks = negative_ranks(self.weights)
        self._ranked_words = sorted(ranks, key=ranks.__getitem__)
        self.weigher = make_weigher(list(self.weights), list(self.weights.values()), [ranks.get(word, -1) for word in self.weights])
        cue_pairs = list(self.question_vocabulary())
        self._cue_words = [word for word, _ in cue_pairs]
        self._cue_tags = [tag for _, tag in cue_pairs]
        self._cue_automaton = ahocorasick_rs.AhoCorasick(self._cue_words) if self._cue_words else None

    def question_vocabulary(self) -> Iterable[tuple[str, str]]:
        s = self.settings
        yield "?", QUESTION_MARK
        for words, tag in ((s.question_words, QUESTION_WORD), (s.final_particles, PARTICLE), (s.specific_cues, SPECIFIC), (s.not_question, NOT_QUESTION)):
            for word in words:
                yield word, tag

    # -- scoring a normalised text on its own (outside the engine's shared pass) --

    def negative(self, text: str) -> float:
        """P(negative) of a NORMALISED text: the weights of its n-grams summed, and a sigmoid."""
        return sigmoid(self.model.bias + self.weigher.total(text))

    def cue_hits(self, text: str) -> list[Hit]:
        """Hits of the question vocabulary alone, in text order."""
        if self._cue_automaton is None or not text:
            return []
        words, tags = self._cue_words, self._cue_tags
        return [Hit(s, e, words[i], tags[i]) for i, s, e in self._cue_automaton.find_matches_as_indexes(text, overlapping=True)]

    def evidence(self, text: str) -> tuple[tuple[int, int] | None, tuple[str, ...]]:
        """Where a reader of a negative NORMALISED text should look: the clause whose n-grams
        weigh most towards negative, (start, end) or None without a clause; and the n-grams
        that weigh most."""
        clause, ranks = self.weigher.evidence(text, _CLAUSE_BREAKS)
        return clause, _strongest_words(ranks, self._ranked_words)

    def read(self, text: str, cues: Sequence[Hit]) -> SentimentReading:
        """The reading of a normalised text, given its question-vocabulary hits (`cue_hits`, or
        the engine's shared scan). Evidence is looked for only in negative texts."""
        negative = sigmoid(self.model.bias + self.weigher.total(text))
        question = specific_question(text, cues) if cues else None
        negative_span: Span | None = None
        words: tuple[str, ...] = ()
        if negative >= self.settings.negative_threshold:
            clause, words = self.evidence(text)
            negative_span = Span(*clause) if clause is not None else None
        return SentimentReading(negative, question, negative_span, words)


def combine_lexicon(model: dict[str, float], negative_words: Sequence[str], positive_words: Sequence[str], strength: float) -> dict[str, float]:
    """The model's n-gram weights with the policy's platform words folded in.

    A platform word reads at least `strength` towards its side: what the model (and any shorter
    platform word inside it) already reads across the word is topped up to ±strength when it is
    weaker or points the other way, and left alone when it is stronger. So 踩雷 (unknown to the
    model) reads +strength, 垃圾 keeps the model's larger weight, and 不难用 reads −strength
    although 难用 inside it is a negative word. Done once per policy by adjusting the word's own
    weight, so scoring stays a plain sum over overlapping hits."""
    weights = dict(model)
    targets: dict[str, float] = {}
    for word in negative_words:
        targets[word] = strength
    for word in positive_words:
        targets[word] = -strength  # a word listed on both sides counts as positive
    for word in sorted(targets, key=lambda w: (len(w), w)):  # shorter words first: longer ones see them
        if not word:
            continue
        reading = sum(weights.get(word[i:j], 0.0) for i in range(len(word)) for j in range(i + 1, len(word) + 1))
        target = max(reading, targets[word]) if targets[word] > 0 else min(reading, targets[word])
        if target != reading:
            weights[word] = weights.get(word, 0.0) + (target - reading)
    return weights


def specific_question(text: str, cues: Sequence[Hit]) -> Span | None:
    """The first sentence that is a question AND names something specific, or None."""
    for hit in cues:  # (a plain loop: most texts with cues name nothing specific, and end here)
        if hit.tag == SPECIFIC:
            break
    else:
        return None
    if not any(h.tag in (QUESTION_MARK, PARTICLE, QUESTION_WORD) for h in cues):
        return None  # something specific is named, but nothing is asked
    blockers = [h for h in cues if h.tag == NOT_QUESTION]

    def blocked(hit: Hit) -> bool:  # a cue inside a look-alike (这么, 不怎么) does not count
        return any(b.start <= hit.start and hit.end <= b.end and b.word != hit.word for b in blockers)

    # Where something is asked, and where something specific is named (positions first: the
    # sentences are cut only when both exist).
    asked: list[int] = []
    for hit in cues:
        if hit.tag == QUESTION_MARK:
            if hit.start > 0 and text[hit.start - 1] != "?":
                asked.append(hit.start - 1)
        elif hit.tag == PARTICLE:
            # A particle ends its clause: 能用吗 / 能用吗~ / 能用吗 哈哈, not 吗啡.
            if (hit.end == len(text) or not text[hit.end].isalnum()) and not blocked(hit):
                asked.append(hit.start)
        elif hit.tag == QUESTION_WORD and not blocked(hit):
            asked.append(hit.start)
    named = [h.start for h in cues if h.tag == SPECIFIC and not blocked(h)]
    if not asked or not named:
        return None
    sentences = [m.span() for m in _SENTENCE.finditer(text)]
    if not sentences:
        return None
    starts = [s for s, _ in sentences]

    def sentence_of(position: int) -> int:
        return max(bisect_right(starts, position) - 1, 0)

    questions = set(map(sentence_of, asked))
    specific = [i for i in map(sentence_of, named) if i in questions]
    if not specific:
        return None
    return _trimmed(text, *sentences[min(specific)])


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def negative_ranks(weights: dict[str, float]) -> dict[str, int]:
    """Every n-gram that weighs towards negative, numbered from the heaviest (ties by the word)."""
    ranked = sorted((-weight, word) for word, weight in weights.items() if weight > 0)
    return {word: rank for rank, (_, word) in enumerate(ranked)}


def _strongest_words(ranks: list[int], ranked_words: list[str]) -> tuple[str, ...]:
    """The few most negative of the matched n-grams (their distinct ranks, ascending), longest
    first among overlaps (不好用 over 好用 and 不好)."""
    chosen: list[str] = []
    for rank in ranks:
        word = ranked_words[rank]
        # (A plain loop, not any() over a generator: this runs for every negative text.)
        for other in chosen:
            if word in other or other in word:
                break  # also a repeat of a chosen word
        else:
            chosen.append(word)
            if len(chosen) == _EVIDENCE_WORDS:
                break
    return tuple(chosen)


class SentimentDetector:
    family = FAMILY
    # The model reads the text as written: n-grams across separators (好 用) are not what it was
    # trained on.
    spaced = False

    def __init__(self, policy: Policy):
        self.policy = policy
        self.analyzer = analyzer_for(policy)
        self.settings = settings = policy.checks.sentiment
        self._bias = self.analyzer.model.bias
        self._threshold_note = f"（阈值 {settings.negative_threshold:.2f}）；主要依据："

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        yield from self.analyzer.question_vocabulary()

    def weighted_vocabulary(self) -> Iterable[tuple[str, float]]:
        # The model's n-grams: not in the shared pass (the analyzer's weigher sums them without
        # an object per occurrence), but words this detector looks for all the same.
        return self.analyzer.weights.items()

    def detect(self, doc: Document, hits: Sequence[Hit]) -> Iterable[Finding]:
        # What `SentimentAnalyzer.read` gives, worked out piece by piece: most texts end after
        # the scores, and every text passes here, so nothing is built that they do not need.
        analyzer = self.analyzer
        text = doc.text
        negative = sigmoid(self._bias + analyzer.weigher.total(text))
        question = specific_question(text, hits) if hits else None
        scores = doc.scores
        scores["negative"] = round(negative, 4)
        scores["question"] = 1.0 if question is not None else 0.0
        settings = self.settings
        kind = doc.request.kind
        asks = question is not None and kind in settings.question_kinds
        if negative < settings.negative_threshold and not asks:
            return ()
        findings: list[Finding] = []
        if negative >= settings.negative_threshold:
            clause, strongest = analyzer.evidence(text)
            if clause is not None:
                warn = kind in settings.warn_kinds
                words = "、".join(strongest) or "整体措辞"
                findings.append(
                    doc.finding(
                        "sentiment.negative",
                        "warning" if warn else "info",
                        clause[0],
                        clause[1],
                        f"负面情绪概率 {negative:.2f}{self._threshold_note}{words}",
                        settings.negative_advice if warn else settings.negative_note_advice,
                    )
                )
        if asks:
            findings.append(
                doc.finding(
                    "sentiment.question",
                    "info",
                    question.start,
                    question.end,
                    f"具体提问：{text[question.start:question.end]}",
                    settings.question_advice,
                )
            )
        return findings


_ANALYZERS: PerPolicy[SentimentAnalyzer] = PerPolicy(SentimentAnalyzer)


def analyzer_for(policy: Policy | None = None) -> SentimentAnalyzer:
    """The analyzer of a policy (built once per effective policy)."""
    return _ANALYZERS.get(policy)


def make_detector(policy: Policy) -> SentimentDetector:
    return SentimentDetector(policy)


def negative_score(text: str, policy: Policy | None = None) -> float:
    """P(negative) of a raw text, 0–1 (the same number a check puts in `scores["negative"]`,
    before rounding). For comment triage."""
    policy = policy or default_policy()
    return analyzer_for(policy).negative(normalizer_for(policy).normalize(text).text)


def is_specific_question(text: str, policy: Policy | None = None) -> bool:
    """Whether a raw text asks a specific question (敏感肌能用吗 yes; 真的吗 no)."""
    policy = policy or default_policy()
    analyzer = analyzer_for(policy)
    normalized = normalizer_for(policy).normalize(text).text
    return specific_question(normalized, analyzer.cue_hits(normalized)) is not None
