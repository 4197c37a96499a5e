"""The base every policy section derives from: frozen, unknown keys forbidden."""

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
