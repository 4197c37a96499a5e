"""Comment triage for a creator's comment section (SPEC R-CRE, R-TXT-8).

Each comment gets one label, in this order of precedence:
- block: a diversion finding (WeChat, phone, QR cue… from the detectors, kind="comment") or one
  of the creator's own block words, matched on the normalised text with separators skipped, so
  `微❤信`, `微-信` and full-width forms of a blocked word are caught too;
- fold: negative, score ≥ the fold threshold (the index's negative threshold unless the policy's
  creator.comments.fold_threshold names another; unless it asks a specific question
  and the policy prefers answering those);
- answer-first: a specific question (敏感肌能用吗) — discussion the index rewards;
- keep.
Threads are respected: every comment is judged on its own text only; a reply inherits nothing
from its parent, and a blocked parent does not block its replies. The summary counts negative
and discussion shares with the health index's own comment labels (`health.text.comment_label`),
and reads them the way the index does: nothing below `signals.min_comments`, the F1 curve for
the negative share, the F2 bonus for the discussion share.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import ahocorasick_rs

from redline.checks import check_text
from redline.checks.finding import CheckResult
from redline.errors import InputError
from redline.health.curves import score_one
from redline.health.text import comment_label
from redline.policy import Policy
from redline.text import normalize

Label = Literal["block", "fold", "answer-first", "keep"]
LABELS: tuple[Label, ...] = ("block", "fold", "answer-first", "keep")
_SEVERITY_RANK = {"info": 0, "warning": 1, "violation": 2}


@dataclass(frozen=True, slots=True)
class CommentInput:
    id: str
    text: str
    parent_id: str | None = None
    note_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str  # rule id, "block_word", "negative", "question"
    excerpt: str  # slice of the ORIGINAL comment
    start: int
    end: int
    detail: str  # Chinese explanation


@dataclass(frozen=True, slots=True)
class TriagedComment:
    id: str
    parent_id: str | None
    note_id: str | None
    text: str
    label: Label
    negative: float | None  # None: no sentiment score available
    question: bool
    reasons: tuple[Reason, ...]
    replies: int = 0
    index_negative: bool = False  # negative as the health index counts it (comment_label)  # direct replies in the file: an answer-first question with 0 is still open

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "note_id": self.note_id,
            "label": self.label,
            "negative": None if self.negative is None else round(self.negative, 4),
            "question": self.question,
            "replies": self.replies,
            "reasons": [
                {"kind": r.kind, "excerpt": r.excerpt, "start": r.start, "end": r.end, "detail": r.detail}
                for r in self.reasons
            ],
            "text": self.text,
        }


@dataclass(frozen=True)
class Summary:
    comments: int
    threads: int  # top-level comments (a reply whose parent is absent counts as its own thread)
    replies: int
    labels: dict[str, int]
    negative_share: float | None  # index definition; None when nothing could be scored
    discussion_share: float | None
    block_share: float | None
    # How the health index would read these shares: below signals.min_comments it reads nothing.
    index_enough_comments: bool = False
    index_negative_comments_score: float | None = None  # F1 component, 0–100, from its curve
    index_discussion_bonus: bool | None = None  # F2 bonus (share ≥ index.bonuses.discussion_min_share)

    def to_json(self) -> dict[str, Any]:
        def share(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "comments": self.comments,
            "threads": self.threads,
            "replies": self.replies,
            "labels": dict(self.labels),
            "negative_share": share(self.negative_share),
            "discussion_share": share(self.discussion_share),
            "block_share": share(self.block_share),
            "index": {
                "enough_comments": self.index_enough_comments,
                "negative_comments_score": share(self.index_negative_comments_score),
                "discussion_bonus": self.index_discussion_bonus,
            },
        }


@dataclass(frozen=True)
class Triage:
    comments: tuple[TriagedComment, ...]
    summary: Summary
    by_note: dict[str, Summary] = field(default_factory=dict)
    policy_version: str = ""
    notes: tuple[str, ...] = ()  # remarks about the run (no sentiment scores…)

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary.to_json(),
            "by_note": {note: s.to_json() for note, s in self.by_note.items()},
            "comments": [c.to_json() for c in self.comments],
            "policy_version": self.policy_version,
            "notes": list(self.notes),
        }


class BlockWords:
    """The creator's own words, matched on normalised text with separators skipped."""

    def __init__(self, words: Iterable[str], policy: Policy) -> None:
        self._policy = policy
        self._separators = frozenset(policy.creator.comments.word_separators)
        compact: dict[str, str] = {}
        for word in words:
            key = self._compact(normalize(word, policy).text)[0]
            if key:
                compact.setdefault(key, word.strip())
        if len(compact) > policy.creator.comments.max_block_words:
            raise InputError(f"屏蔽词太多（{len(compact)} 个），上限 {policy.creator.comments.max_block_words} 个")
        self.words = compact  # compact normalised form → the creator's spelling
        self._automaton = (
            ahocorasick_rs.AhoCorasick(list(compact), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
            if compact
            else None
        )

    def _compact(self, text: str) -> tuple[str, list[int]]:
        """Text without separators/whitespace, and each kept character's index in `text`."""
        kept, index = [], []
        for i, char in enumerate(text):
            if char in self._separators or char.isspace() or unicodedata.category(char).startswith("Z"):
                continue
            kept.append(char)
            index.append(i)
        return "".join(kept), index

    def find(self, text: str) -> list[Reason]:
        if self._automaton is None or not text:
            return []
        normalized = normalize(text, self._policy)
        compact, index = self._compact(normalized.text)
        reasons = []
        for _, start, end in self._automaton.find_matches_as_indexes(compact):
            word = compact[start:end]
            o_start, o_end = normalized.to_original(index[start], index[end - 1] + 1)
            reasons.append(
                Reason("block_word", text[o_start:o_end], o_start, o_end, f"命中你的屏蔽词「{self.words[word]}」")
            )
        return reasons


# How a comment's text is checked: `check_text(text, policy, kind="comment")` by default.
CommentChecker = Callable[[str, Policy], CheckResult]


def check_comment(text: str, policy: Policy) -> CheckResult:
    return check_text(text, policy, kind="comment")


def triage(
    comments: Sequence[CommentInput],
    policy: Policy,
    block_words: Iterable[str] = (),
    checker: CommentChecker = check_comment,
) -> Triage:
    """Label every comment and summarise the section; comments are judged one by one."""
    settings = policy.creator.comments
    if len(comments) > settings.max_comments:
        raise InputError(f"评论太多（{len(comments)} 条），一次最多 {settings.max_comments} 条")
    seen: set[str] = set()
    for comment in comments:
        if comment.id in seen:
            raise InputError(f"评论 id 重复：{comment.id}")
        seen.add(comment.id)
    words = BlockWords(block_words, policy)
    replies: dict[str, int] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies[comment.parent_id] = replies.get(comment.parent_id, 0) + 1
    triaged = tuple(
        replace(_triage_one(comment, policy, words, checker), replies=replies.get(comment.id, 0)) for comment in comments
    )
    any_scored = any(c.negative is not None for c in triaged)
    notes = () if any_scored or not triaged else ("没有可用的负面情绪评分：未折叠任何评论，负面占比未知",)
    by_note: dict[str, Summary] = {}
    note_ids = {c.note_id for c in triaged if c.note_id}
    if len(note_ids) > 1:
        for note_id in sorted(note_ids):
            by_note[note_id] = _summary([c for c in triaged if c.note_id == note_id], policy)
    return Triage(triaged, _summary(list(triaged), policy), by_note, policy.version, notes)


def fold_threshold(policy: Policy) -> float:
    """The negative score from which a comment is folded (the index's threshold by default)."""
    value = policy.creator.comments.fold_threshold
    return policy.checks.sentiment.negative_threshold if value == "index" else float(value)


def _triage_one(comment: CommentInput, policy: Policy, words: BlockWords, checker: CommentChecker) -> TriagedComment:
    settings = policy.creator.comments
    fold_at = fold_threshold(policy)
    result = checker(comment.text, policy)
    negative = _negative_score(result)
    index_label = comment_label(result, policy)
    question = index_label.question
    blocking = [
        Reason(f.rule, f.excerpt, f.start, f.end, f.advice or f.evidence)
        for f in result.findings
        if f.family in settings.block_families
        and f.field == "text"
        and _SEVERITY_RANK[f.severity] >= _SEVERITY_RANK[settings.block_min_severity]
    ]
    blocking += words.find(comment.text)
    reasons: list[Reason] = list(blocking)
    if negative is not None and negative >= fold_at:
        reasons.append(Reason("negative", comment.text[:40], 0, min(len(comment.text), 40), f"负面情绪分 {negative:.2f}"))
    if question:
        excerpt = _question_excerpt(result)
        reasons.append(Reason("question", excerpt[0], excerpt[1], excerpt[2], "具体提问：优先回复能带来讨论度"))

    label: Label
    if blocking:
        label = "block"
    elif negative is not None and negative >= fold_at and not (question and settings.answer_negative_questions):
        label = "fold"
    elif question:
        label = "answer-first"
    else:
        label = "keep"
    return TriagedComment(
        comment.id,
        comment.parent_id,
        comment.note_id,
        comment.text,
        label,
        negative,
        question,
        tuple(reasons),
        index_negative=index_label.negative and negative is not None,
    )


def _negative_score(result: CheckResult) -> float | None:
    score = result.scores.get("negative")
    return None if score is None else float(score)


def _question_excerpt(result: CheckResult) -> tuple[str, int, int]:
    for f in result.findings:
        if f.family == "sentiment" and ("question" in f.rule or "discussion" in f.rule):
            return f.excerpt, f.start, f.end
    return "", 0, 0


def _summary(comments: list[TriagedComment], policy: Policy) -> Summary:
    ids = {c.id for c in comments}
    threads = sum(1 for c in comments if c.parent_id is None or c.parent_id not in ids)
    labels = {label: sum(1 for c in comments if c.label == label) for label in LABELS}
    scored = [c for c in comments if c.negative is not None]
    total = len(comments)
    negative_share = (sum(1 for c in scored if c.index_negative) / len(scored)) if scored else None
    # Questions come from the same sentiment detector as the scores: without it, unknown.
    discussion_share = (sum(1 for c in comments if c.question) / total) if scored else None
    enough = len(scored) >= policy.signals.min_comments
    return Summary(
        comments=total,
        threads=threads,
        replies=total - threads,
        labels=labels,
        negative_share=negative_share,
        discussion_share=discussion_share,
        block_share=(labels["block"] / total) if total else None,
        index_enough_comments=enough,
        index_negative_comments_score=score_one(negative_share, policy.index.curves.negative_comments) if enough else None,
        index_discussion_bonus=(discussion_share >= policy.index.bonuses.discussion_min_share)
        if enough and discussion_share is not None
        else None,
    )
