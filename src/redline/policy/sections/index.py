"""Health-index weights and curves (SPEC R-IDX)."""

from pydantic import Field, model_validator

from redline.policy.sections.base import Section


class DimensionWeights(Section):
    quality: float = Field(gt=0, lt=1)
    compliance: float = Field(gt=0, lt=1)
    feedback: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> "DimensionWeights":
        total = self.quality + self.compliance + self.feedback
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"dimension weights must sum to 1 (they sum to {total:g})")
        return self


class IndexPolicy(Section):
    recent_days: int = Field(ge=1)
    dimension_weights: DimensionWeights
