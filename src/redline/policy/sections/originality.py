"""Originality / near-duplicate thresholds (SPEC R-TXT-7)."""

from pydantic import Field, model_validator

from redline.policy.sections.base import Section


class OriginalityPolicy(Section):
    low_quality_duplicate_ratio: float = Field(gt=0, lt=1)
    bonus_min_originality: float = Field(gt=0, le=1)
    bonus_min_chars: int = Field(ge=0)
    shingle_chars: int = Field(ge=2, le=16)
    creative_similarity: float = Field(gt=0, le=1)
    min_copied_chars: int = Field(ge=1)
    passage_gap_chars: int = Field(ge=0, le=200)
    passage_shift_chars: int = Field(ge=0, le=200)
    self_duplicate_counts_as_low_quality: bool
    max_candidates: int = Field(ge=1, le=10_000)
    max_postings: int = Field(ge=1, le=1_000_000)
    rare_fingerprint_notes: int = Field(ge=0)
    max_text_chars: int = Field(ge=1)

    @model_validator(mode="after")
    def _window_fits(self) -> "OriginalityPolicy":
        if self.min_copied_chars < self.shingle_chars:
            raise ValueError("min_copied_chars must be at least shingle_chars")
        return self

    @property
    def winnow_window(self) -> int:
        """Winnowing window in shingles: any shared passage of `min_copied_chars` characters
        contains a full window, hence a shared fingerprint."""
        return self.min_copied_chars - self.shingle_chars + 1
