"""The text policy: how the three granularities are filled. The recipe's `text:` key."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TextPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_sentence_tokens: int = Field(2, ge=0, description="report sentences shorter than this are dropped (counted)")
    max_descriptions: int = Field(8, ge=1)
    max_explanations: int = Field(8, ge=1)
    use_report_labels: bool = Field(
        True, description="label chest X-ray reports in the build workers, merged with the source labels"
    )
