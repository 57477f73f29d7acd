"""Configuration of an exported MGLL dual encoder (timm vision tower + Hugging Face text encoder)."""

from __future__ import annotations

from typing import Any

from transformers import PretrainedConfig


class MgllConfig(PretrainedConfig):
    """Everything needed to rebuild the two towers without their original weights or mgll-data."""

    model_type = "mgll_dual_encoder"

    def __init__(
        self,
        vision_model: str = "vit_base_patch16_224",
        image_size: int = 224,
        vision_width: int = 768,
        text_config: dict[str, Any] | None = None,
        text_pooling: str = "mean",
        embed_dim: int = 512,
        **kwargs: Any,
    ):
        self.vision_model = vision_model
        self.image_size = image_size
        self.vision_width = vision_width
        self.text_config = text_config or {}
        self.text_pooling = text_pooling
        self.embed_dim = embed_dim
        super().__init__(**kwargs)
