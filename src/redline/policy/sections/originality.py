"""Originality / near-duplicate thresholds (SPEC R-TXT-7)."""

from pydantic import Field

from redline.policy.sections.base import Section


class OriginalityPolicy(Section):
    low_quality_duplicate_ratio: float = Field(gt=0, lt=1)
    bonus_min_originality: float = Field(gt=0, le=1)
    bonus_min_chars: int = Field(ge=0)
    shingle_chars: int = Field(ge=2, le=16)
    creative_similarity: float = Field(gt=0, le=1)
    min_copied_chars: int = Field(ge=1)
