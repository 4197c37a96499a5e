"""Title-lab generation and experiment settings (SPEC R-TTL)."""

from pydantic import Field

from redline.policy.sections.base import Section


class TitlesPolicy(Section):
    max_chars: int = Field(ge=4, le=100)
    min_variants: int = Field(ge=1)
    max_variants: int = Field(ge=1)
