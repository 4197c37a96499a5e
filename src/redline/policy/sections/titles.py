"""Title-lab generation and experiment settings (SPEC R-TTL)."""

from __future__ import annotations

from pydantic import Field, model_validator

from redline.policy.sections.base import Section

WordList = tuple[str, ...]


class TitleGenerationPolicy(Section):
    key_terms_kept: int = Field(ge=0, le=5)
    key_terms_considered: int = Field(ge=1, le=50)
    emoji_max: int = Field(ge=0, le=5)
    emoji_share: float = Field(ge=0, le=1)
    emojis: WordList
    audience_words: WordList = Field(min_length=1)
    scene_words: WordList = Field(min_length=1)
    numbers: tuple[int, ...] = Field(min_length=1)
    day_numbers: tuple[int, ...] = Field(min_length=1)
    templates: WordList = Field(min_length=1)

    @model_validator(mode="after")
    def _templates_use_topic(self) -> "TitleGenerationPolicy":
        for template in self.templates:
            if "{topic}" not in template and "{kw}" not in template:
                raise ValueError(f"模板必须包含 {{topic}} 或 {{kw}}（保留关键词）：{template}")
        return self


class TitlePriorPolicy(Section):
    question_marks: WordList
    exclamation_marks: WordList
    second_person: WordList
    contrast_words: WordList
    separators: WordList
    quote_marks: WordList
    length_scale: int = Field(ge=1)
    weights: dict[str, float]
    ridge: float = Field(gt=0)
    min_training_arms: int = Field(ge=1)
    max_predicted_lift_sd: float = Field(gt=0)
    relative_sd: float = Field(gt=0, lt=5)


class TitleArmsPolicy(Section):
    click_thresholds: tuple[float, ...] = Field(min_length=1)
    arm_counts: tuple[int, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _table_shape(self) -> "TitleArmsPolicy":
        if len(self.arm_counts) != len(self.click_thresholds) + 1:
            raise ValueError("arm_counts 必须比 click_thresholds 多一项")
        if list(self.click_thresholds) != sorted(self.click_thresholds):
            raise ValueError("click_thresholds 必须递增")
        if any(count < 2 for count in self.arm_counts):
            raise ValueError("每个实验至少 2 个分组（原标题 + 1 个新标题）")
        return self


class TitleExperimentPolicy(Section):
    control_share: float = Field(gt=0, lt=1)
    min_arm_share: float = Field(ge=0, lt=0.5)
    batch_impressions: int = Field(ge=1)
    burn_in: int = Field(ge=0)
    posterior_draws: int = Field(ge=16, le=100_000)
    prior_strength: float = Field(gt=0)
    sharpening: float = Field(ge=1)
    alpha: float = Field(gt=0, lt=0.5)
    mixture_relative_sd: float = Field(gt=0)
    confidence: float = Field(gt=0.5, lt=1)
    horizon_impressions: int = Field(ge=1)
    default_ctr: float = Field(gt=0, lt=1)
    srm_p_value: float = Field(gt=0, lt=0.5)
    srm_min_impressions: int = Field(ge=0)


class TitlesPolicy(Section):
    max_chars: int = Field(ge=4, le=100)
    min_variants: int = Field(ge=1)
    max_variants: int = Field(ge=1)
    default_variants: int = Field(ge=1)
    reject_families: WordList
    generation: TitleGenerationPolicy
    prior: TitlePriorPolicy
    arms: TitleArmsPolicy
    experiment: TitleExperimentPolicy
