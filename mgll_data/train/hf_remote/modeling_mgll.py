"""An exported MGLL dual encoder as a `transformers` model: `get_image_features`, `get_text_features`.

Image inputs are the `pixel_values` of the saved image processor (resized, centre-cropped, normalised);
text inputs are the saved tokenizer's `input_ids` and `attention_mask`. Embeddings are returned
unnormalised, as the model was trained; normalise them for cosine similarities.
"""

from __future__ import annotations

import timm
import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel

from .configuration_mgll import MgllConfig


class MgllModel(PreTrainedModel):
    config_class = MgllConfig
    base_model_prefix = "mgll"

    def __init__(self, config: MgllConfig):
        super().__init__(config)
        try:
            self.vision = timm.create_model(
                config.vision_model, pretrained=False, num_classes=0, img_size=config.image_size
            )
        except TypeError:  # convolutional models take any size and have no img_size argument
            self.vision = timm.create_model(config.vision_model, pretrained=False, num_classes=0)
        text_settings = dict(config.text_config)
        text_config = AutoConfig.for_model(text_settings.pop("model_type"), **text_settings)
        self.text = AutoModel.from_config(text_config)
        if getattr(self.text, "pooler", None) is not None:
            self.text.pooler = None  # pooled from hidden states, as in training
        self.image_projection = nn.Linear(config.vision_width, config.embed_dim, bias=False)
        self.text_projection = nn.Linear(text_config.hidden_size, config.embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(0.0))
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        """Weights always come from the exported file; nothing to initialise."""

    def get_image_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.image_projection(self.vision(pixel_values))

    def get_text_features(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Accepts the tokenizer's whole output; token type ids are zeros for one sentence, as in training."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.text(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.config.text_pooling == "cls":
            return self.text_projection(hidden[:, 0])
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1.0)
        return self.text_projection(pooled)

    def forward(
        self,
        input_ids: torch.Tensor,
        pixel_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Embeddings of both inputs and the image-to-text logits (cosine similarity times the logit scale)."""
        image = self.get_image_features(pixel_values)
        text = self.get_text_features(input_ids, attention_mask)
        logits = (
            self.logit_scale.exp() * nn.functional.normalize(image, dim=-1) @ nn.functional.normalize(text, dim=-1).T
        )
        return {"image_embeds": image, "text_embeds": text, "logits_per_image": logits, "logits_per_text": logits.T}
