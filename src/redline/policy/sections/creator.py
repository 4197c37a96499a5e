"""Creator tools (SPEC R-CRE): comment triage."""

from typing import Literal

from pydantic import Field, field_validator

from redline.policy.sections.base import Section


class CommentTriagePolicy(Section):
    # Finding families that block a comment (diversion: WeChat, phone, QR… in the comment).
    block_families: tuple[str, ...] = Field(min_length=1)
    # The least severe finding of those families that blocks ("warning" also blocks 私我/看主页).
    block_min_severity: Literal["violation", "warning", "info"]
    # Comments whose negative score reaches this are folded; "index" = the health index's own
    # checks.sentiment.negative_threshold (the summary's negative share always uses that one).
    fold_threshold: float | Literal["index"]
    # A negative comment that asks a specific question is answered first rather than folded.
    answer_negative_questions: bool
    # Characters that may stand between the characters of a creator's block word (微-信, 微 信).
    word_separators: str
    # Bounds on what one triage run accepts.
    max_comments: int = Field(ge=1)
    max_block_words: int = Field(ge=1)


    @field_validator("fold_threshold")
    @classmethod
    def _probability(cls, value: float | str) -> float | str:
        if isinstance(value, float) and not 0 < value <= 1:
            raise ValueError("fold_threshold must be in (0, 1] or \"index\"")
        return value


class CreatorPolicy(Section):
    comments: CommentTriagePolicy
