"""Vision and text towers from timm, open_clip, Hugging Face transformers, or a tiny built-in text model.

Why a thin wrapper per library: the model above them only needs "pixels in, features out" and "strings in,
features out" plus the feature width, so adding a library is one function here. Weight sources follow one
rule for every tower: null = random init (tests, from-scratch runs), 'default' = the library's own weights
for the named model, anything else = a local path or a hub id / pretrained tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from mgll_data.errors import MgllError

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass
class VisionTower:
    module: nn.Module
    width: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


def _load_failure(kind: str, spec: str, weights: str | None, exc: Exception) -> MgllError:
    source = f" with weights {weights!r}" if weights else ""
    return MgllError(
        f"model.{kind}: cannot create {spec!r}{source} ({type(exc).__name__}: {exc}); expected a known model "
        "name and weights as a local path, or a hub id reachable online / in the local cache"
    )


def _open_clip_model(name: str, weights: str | None, image_size: int) -> nn.Module:
    import open_clip

    if name not in open_clip.list_models():
        raise MgllError(f"open_clip:{name}: unknown open_clip model (see open_clip.list_models())")
    if weights == "default":  # open_clip has no default weights per model: take its first listed tag
        tags = open_clip.list_pretrained_tags_by_model(name)
        if not tags:
            raise MgllError(f"open_clip:{name}: no pretrained weights are listed; give a local file instead")
        weights = tags[0]
    try:
        return open_clip.create_model(name, pretrained=weights, force_image_size=image_size)
    except Exception as exc:  # open_clip raises RuntimeError / OSError / HF errors for bad weights
        raise _load_failure("vision/text", f"open_clip:{name}", weights, exc) from None


def vision_tower(spec: str, weights: str | None, image_size: int) -> VisionTower:
    """A pooled-feature image encoder: 'timm:<name>' or 'open_clip:<name>'."""
    library, name = spec.split(":", 1)
    if library == "open_clip":
        visual = _open_clip_model(name, weights, image_size).visual
        mean = tuple(getattr(visual, "image_mean", None) or OPENAI_MEAN)
        std = tuple(getattr(visual, "image_std", None) or OPENAI_STD)
        return VisionTower(visual, int(visual.output_dim), mean, std)
    import timm

    kwargs: dict = {"num_classes": 0}
    if weights and weights != "default":
        key = "file" if Path(weights).exists() else "hf_hub_id"
        kwargs["pretrained_cfg_overlay"] = {key: weights}
    try:
        try:
            module = timm.create_model(name, pretrained=weights is not None, img_size=image_size, **kwargs)
        except TypeError:  # convolutional models take any size and have no img_size argument
            module = timm.create_model(name, pretrained=weights is not None, **kwargs)
    except RuntimeError as exc:
        if "Unknown model" in str(exc):
            raise MgllError(f"model.vision: unknown timm model {name!r} (see timm.list_models())") from None
        raise _load_failure("vision", spec, weights, exc) from None
    except Exception as exc:
        raise _load_failure("vision", spec, weights, exc) from None
    cfg = module.pretrained_cfg
    return VisionTower(module, int(module.num_features), tuple(cfg["mean"]), tuple(cfg["std"]))


class TextTower(nn.Module):
    """Strings in, pooled features out; `tokenize` runs on CPU, `forward` on the model's device."""

    width: int

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError


class TinyTextTower(TextTower):
    """A small random transformer over UTF-8 bytes: needs no vocabulary file, for tests and CPU demos."""

    PAD, BOS, EOS = 0, 1, 2

    def __init__(self, max_length: int, width: int = 64, layers: int = 2, heads: int = 4):
        super().__init__()
        self.max_length, self.width = max_length, width
        self.embed = nn.Embedding(259, width)
        self.position = nn.Parameter(torch.randn(max_length, width) * 0.02)
        layer = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        ids = torch.full((len(texts), self.max_length), self.PAD, dtype=torch.long)
        for row, text in enumerate(texts):
            codes = [self.BOS, *(b + 3 for b in text.encode("utf-8")[: self.max_length - 2]), self.EOS]
            ids[row, : len(codes)] = torch.tensor(codes)
        return {"input_ids": ids, "attention_mask": (ids != self.PAD).long()}

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        mask = tokens["attention_mask"].bool()
        hidden = self.embed(tokens["input_ids"]) + self.position[: mask.shape[1]]
        hidden = self.norm(self.encoder(hidden, src_key_padding_mask=~mask))
        return _mean_pool(hidden, mask)


def _mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp_min(1.0)


class HFTextTower(TextTower):
    """A Hugging Face encoder (BERT-style) with its own tokenizer; CLS or mask-aware mean pooling."""

    def __init__(self, name: str, weights: str | None, max_length: int, pooling: str):
        super().__init__()
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(name)
            if weights is None:
                self.encoder = AutoModel.from_config(AutoConfig.from_pretrained(name))
            else:
                self.encoder = AutoModel.from_pretrained(name if weights == "default" else weights)
        except (OSError, ValueError) as exc:
            raise _load_failure("text", f"hf:{name}", weights, exc) from None
        if getattr(self.encoder, "pooler", None) is not None:
            self.encoder.pooler = None  # unused (we pool hidden states); DDP requires every trained weight to be used
        self.max_length = min(max_length, getattr(self.encoder.config, "max_position_embeddings", max_length))
        self.pooling = pooling
        self.width = int(self.encoder.config.hidden_size)

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.encoder(**tokens).last_hidden_state
        if self.pooling == "cls":
            return hidden[:, 0]
        return _mean_pool(hidden, tokens["attention_mask"].bool())


class OpenClipTextTower(TextTower):
    """The text half of an open_clip model (its pooled, projected output) with its tokenizer."""

    def __init__(self, name: str, weights: str | None, image_size: int):
        super().__init__()
        import open_clip

        clip = _open_clip_model(name, weights, image_size)
        clip.visual = nn.Identity()  # only the text half is kept; the vision tower is built separately
        for name in ("logit_scale", "logit_bias"):  # the model's own scale is unused: ours lives in MGLLModel
            if isinstance(getattr(clip, name, None), nn.Parameter):
                getattr(clip, name).requires_grad_(False)
        self.clip = clip
        self.tokenizer = open_clip.get_tokenizer(name)
        projection = getattr(clip, "text_projection", None)
        self.width = int(projection.shape[1]) if isinstance(projection, torch.Tensor) else int(clip.text.output_dim)

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        return {"input_ids": self.tokenizer(texts)}

    def forward(self, tokens: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.clip.encode_text(tokens["input_ids"])


def text_tower(spec: str, weights: str | None, max_length: int, pooling: str, image_size: int) -> TextTower:
    """'hf:<path or id>', 'open_clip:<name>' or 'tiny'."""
    if spec == "tiny":
        return TinyTextTower(max_length)
    library, name = spec.split(":", 1)
    if library == "hf":
        return HFTextTower(name, weights, max_length, pooling)
    return OpenClipTextTower(name, weights, image_size)
