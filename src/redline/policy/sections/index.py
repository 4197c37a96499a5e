"""Health-index weights and curves (SPEC R-IDX)."""

from pydantic import Field, model_validator

from redline.policy.sections.base import Section

INDICATORS = ("Q1", "Q2", "Q3", "Q4", "C1", "C2", "C3", "C4", "F1", "F2", "F3", "F4")
TEXT_INDICATORS = ("Q2", "Q3", "C1", "C2", "C3")

Curve = tuple[tuple[float, float], ...]


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


class IndicatorWeights(Section):
    Q1: float = Field(gt=0)
    Q2: float = Field(gt=0)
    Q3: float = Field(gt=0)
    Q4: float = Field(gt=0)
    C1: float = Field(gt=0)
    C2: float = Field(gt=0)
    C3: float = Field(gt=0)
    C4: float = Field(gt=0)
    F1: float = Field(gt=0)
    F2: float = Field(gt=0)
    F3: float = Field(gt=0)
    F4: float = Field(gt=0)


class ComponentWeights(Section):
    originality: float = Field(gt=0)
    text_q2: float = Field(gt=0)
    text_q3: float = Field(gt=0)
    completion_short: float = Field(gt=0)
    completion_long: float = Field(gt=0)
    completion_other: float = Field(gt=0)
    ctr: float = Field(gt=0)
    text_c1: float = Field(gt=0)
    brand_linkage: float = Field(gt=0)
    text_c2: float = Field(gt=0)
    text_c3: float = Field(gt=0)
    fake_engagement: float = Field(gt=0)
    imbalance: float = Field(gt=0)
    fake_followers: float = Field(gt=0)
    reports: float = Field(gt=0)
    negative_comments: float = Field(gt=0)
    interaction_rate: float = Field(gt=0)
    dwell_ratio: float = Field(gt=0)
    fan_activity: float = Field(gt=0)
    fan_match: float = Field(gt=0)


class Bonuses(Section):
    originality: float = Field(ge=0, le=100)
    discussion: float = Field(ge=0, le=100)
    discussion_min_share: float = Field(gt=0, le=1)


class TextScoring(Section):
    violation_points: float = Field(ge=0)
    warning_points: float = Field(ge=0)
    info_points: float = Field(ge=0)
    Q2: tuple[str, ...]
    Q3: tuple[str, ...]
    C1: tuple[str, ...]
    C2: tuple[str, ...]
    C3: tuple[str, ...]


def _check_curve(name: str, points: Curve) -> Curve:
    if len(points) < 2:
        raise ValueError(f"curve {name} needs at least two [x, score] points")
    xs = [x for x, _ in points]
    if any(b < a for a, b in zip(xs, xs[1:])):
        raise ValueError(f"curve {name}: x must not decrease")
    if any(xs[i] == xs[i + 1] == xs[i + 2] for i in range(len(xs) - 2)):
        raise ValueError(f"curve {name}: at most two points may share an x (a step)")
    if any(not 0 <= y <= 100 for _, y in points):
        raise ValueError(f"curve {name}: scores must lie in 0..100")
    return points


class Curves(Section):
    originality: Curve
    completion_short: Curve
    completion_long: Curve
    completion_other: Curve
    ctr: Curve
    text_points: Curve
    brand_linkage: Curve
    fake_engagement: Curve
    fake_followers: Curve
    imbalance: Curve
    reports: Curve
    negative_comments: Curve
    interaction_rate: Curve
    dwell_ratio: Curve
    fan_activity: Curve
    fan_match: Curve

    @model_validator(mode="after")
    def _valid_curves(self) -> "Curves":
        for name in type(self).model_fields:
            _check_curve(name, getattr(self, name))
        return self


class IndexPolicy(Section):
    recent_days: int = Field(ge=1)
    recency_half_life_days: float = Field(gt=0)
    account_component_weight: float = Field(ge=0, le=1)
    dimension_weights: DimensionWeights
    indicator_weights: IndicatorWeights
    component_weights: ComponentWeights
    bonuses: Bonuses
    text: TextScoring
    curves: Curves
