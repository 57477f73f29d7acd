"""Exporting a trained checkpoint so people without mgll-data can load it: open_clip or transformers layout.

Why two layouts: open_clip users call `create_model_and_transforms("local-dir:PATH")` (or `hf-hub:ORG/NAME`
once uploaded) and get the model, its preprocessing and tokenizer; transformers users call
`AutoModel.from_pretrained(PATH, trust_remote_code=True)` with `AutoTokenizer` and `AutoImageProcessor`.
Both are the same weights under the other library's key names, checked by loading them back here.
Supported towers: a timm vision model and a Hugging Face text encoder (the combination both libraries
express); the built-in `tiny` text tower is for tests and has no counterpart.

Why no path is written: an export is copied and uploaded, so every file names things by Hub id or by a path
inside the export. open_clip reads a Hugging Face text tower's configuration through `text_cfg.hf_model_name`,
a Hub id (a folder path would only resolve on the machine that wrote it), so the open_clip export carries
the text tower's `config.json` and tokenizer itself and names the repository it is uploaded to.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch

from mgll_data.errors import MgllError
from mgll_data.export.formats import fresh_dest
from mgll_data.train.config import TrainConfig, is_hub_id
from mgll_data.train.model import MGLLModel, load_model_from_checkpoint

MODEL_FORMATS: tuple[str, ...] = ("open_clip", "hf")
REMOTE_CODE = ("configuration_mgll.py", "modeling_mgll.py")
# What a machine without mgll-data installs to load each export (the README says so).
PACKAGES = {
    "open_clip": ("torch", "open_clip_torch", "timm", "transformers", "safetensors"),
    "hf": ("torch", "transformers", "timm", "safetensors"),
}


@dataclass(frozen=True)
class ModelExport:
    format: str
    dest: Path
    files: list[str]


def _text_name(config: TrainConfig, format_name: str) -> str:
    """The Hugging Face text model's id or path; an MgllError for towers the export layouts cannot express."""
    vision, text = config.model.vision, config.model.text
    if not vision.startswith("timm:") or not text.startswith("hf:"):
        raise MgllError(
            f"--format {format_name}: the checkpoint has towers vision={vision!r}, text={text!r}; export supports a "
            "timm vision tower with a Hugging Face text tower (model.vision: timm:<name>, model.text: hf:<id or path>)"
        )
    return text.split(":", 1)[1]


def _renamed(model: MGLLModel, prefixes: dict[str, str]) -> dict[str, torch.Tensor]:
    """The model's weights with each key's first matching prefix replaced (every key must match one)."""
    renamed = {}
    for key, value in model.state_dict().items():
        prefix = next((p for p in prefixes if key == p or key.startswith(p + ".")), None)
        if prefix is None:
            raise MgllError(f"export: weight {key!r} has no place in the exported layout (an unexpected tower?)")
        renamed[prefixes[prefix] + key[len(prefix) :]] = value.detach().contiguous().cpu()
    return renamed


def _portable(value: str) -> str:
    """A Hub id as it is; a local path as its last part (an export never names this machine's folders)."""
    return value if is_hub_id(value) and not Path(value).exists() else Path(value).name


def _open_clip_text_id(text_name: str, repo_id: str | None) -> str:
    """The Hub id open_clip reads the text tower's configuration and tokenizer from (see the module doc)."""
    if repo_id is not None:
        if not is_hub_id(repo_id):
            raise MgllError(f"--repo-id {repo_id!r}: expected a Hub repository id, ORG/NAME")
        return repo_id
    if is_hub_id(text_name) and not Path(text_name).exists():
        return text_name
    raise MgllError(
        f"--format open_clip: the text tower was read from the local folder {text_name}, which open_clip cannot "
        "name on another machine; add --repo-id ORG/NAME, the Hub repository you will upload this export to "
        "(the export carries the text tower's config.json and tokenizer for it)"
    )


def _model_card(format_name: str, config: TrainConfig, source: Path, usage: str) -> str:
    text = config.model.text
    return "\n".join(
        [
            "---",
            "library_name: " + ("open_clip" if format_name == "open_clip" else "transformers"),
            "tags: [mgll, medical, zero-shot-image-classification]",
            "---",
            "",
            "# MGLL model exported by mgll-data",
            "",
            f"Vision tower `{config.model.vision}`, text tower `hf:{_portable(text.split(':', 1)[1])}` "
            f"({config.model.text_pooling} pooling), embedding size {config.model.embed_dim}, images "
            f"{config.data.image_size} px, loss `{config.loss.name}`, trained on `{_portable(config.data.dataset)}` "
            f"(split `{config.data.split}`). Exported from checkpoint `{source.name}`.",
            "",
            "Needs: `pip install " + " ".join(PACKAGES[format_name]) + "` (mgll-data is not needed).",
            "",
            "```python",
            usage,
            "```",
            "",
            "Embeddings are unnormalised, as trained; normalise them before taking cosine similarities.",
            "",
        ]
    )


def _open_clip_files(model: MGLLModel, config: TrainConfig, dest: Path, text_id: str) -> None:
    import timm
    from safetensors.torch import save_file

    vision_name = config.model.vision.split(":", 1)[1]
    default = timm.create_model(vision_name, pretrained=False, num_classes=0).state_dict()
    ours = model.vision.state_dict()
    if any(default[key].shape != value.shape for key, value in ours.items() if key in default):
        raise MgllError(
            f"--format open_clip: open_clip builds timm:{vision_name} at its default input size, and this model was "
            f"trained at data.image_size={config.data.image_size}; use --format hf, or train at the default size"
        )
    weights = _renamed(
        model,
        {
            "vision": "visual.trunk",
            "image_projection": "visual.head.proj",
            "text.encoder": "text.transformer",
            "text_projection": "text.proj",
            "logit_scale": "logit_scale",
        },
    )
    save_file(weights, str(dest / "open_clip_model.safetensors"))
    pooler = "mean_pooler" if config.model.text_pooling == "mean" else "cls_last_hidden_state_pooler"
    open_clip_config = {
        "model_cfg": {
            "embed_dim": config.model.embed_dim,
            "vision_cfg": {
                "timm_model_name": vision_name,
                "timm_model_pretrained": False,
                "timm_pool": "",
                "timm_proj": "linear",
                "image_size": config.data.image_size,
            },
            "text_cfg": {
                "hf_model_name": text_id,
                "hf_tokenizer_name": text_id,
                "hf_model_pretrained": False,  # the weights are in open_clip_model.safetensors
                "hf_proj_type": "linear",
                "hf_pooler_type": pooler,
                "context_length": model.text.max_length,
            },
        },
        "preprocess_cfg": {
            "mean": [float(v) for v in model.image_mean.flatten()],
            "std": [float(v) for v in model.image_std.flatten()],
            "interpolation": "bilinear",
            "resize_mode": "shortest",
        },
    }
    (dest / "open_clip_config.json").write_text(json.dumps(open_clip_config, indent=2), encoding="utf-8")
    model.text.encoder.config.save_pretrained(str(dest))  # config.json: the text tower open_clip builds


def _hf_files(model: MGLLModel, config: TrainConfig, dest: Path) -> None:
    from safetensors.torch import save_file

    weights = _renamed(
        model,
        {
            "vision": "vision",
            "image_projection": "image_projection",
            "text.encoder": "text",
            "text_projection": "text_projection",
            "logit_scale": "logit_scale",
        },
    )
    save_file(weights, str(dest / "model.safetensors"), metadata={"format": "pt"})
    text_config = model.text.encoder.config.to_dict()
    hf_config = {
        "model_type": "mgll_dual_encoder",
        "architectures": ["MgllModel"],
        "auto_map": {"AutoConfig": "configuration_mgll.MgllConfig", "AutoModel": "modeling_mgll.MgllModel"},
        "vision_model": config.model.vision.split(":", 1)[1],
        "image_size": config.data.image_size,
        "vision_width": model.image_projection.in_features,
        # _name_or_path is where the tower was read from on this machine: not part of the model
        "text_config": {
            k: v for k, v in text_config.items() if k not in ("architectures", "auto_map", "_name_or_path")
        },
        "text_pooling": config.model.text_pooling,
        "embed_dim": config.model.embed_dim,
    }
    (dest / "config.json").write_text(json.dumps(hf_config, indent=2), encoding="utf-8")
    for name in REMOTE_CODE:
        with resources.as_file(resources.files("mgll_data.train.hf_remote").joinpath(name)) as source:
            shutil.copyfile(source, dest / name)
    size = config.data.image_size
    processor = {
        "image_processor_type": "CLIPImageProcessor",
        "do_convert_rgb": True,
        "do_resize": True,
        "size": {"shortest_edge": size},
        "resample": 2,  # bilinear, as the training's eval transform
        "do_center_crop": True,
        "crop_size": {"height": size, "width": size},
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": [float(v) for v in model.image_mean.flatten()],
        "image_std": [float(v) for v in model.image_std.flatten()],
    }
    (dest / "preprocessor_config.json").write_text(json.dumps(processor, indent=2), encoding="utf-8")


def export_model(checkpoint: Path | str, dest: Path | str, format_name: str, repo_id: str | None = None) -> ModelExport:
    """Write the checkpoint (or a run folder's latest) to the new or empty folder `dest` in `format_name`.

    `repo_id` (ORG/NAME) is the Hub repository the export will be uploaded to; open_clip needs it when the
    text tower came from a local folder. A refused or failed export leaves nothing in `dest`."""
    if format_name not in MODEL_FORMATS:
        raise MgllError(f"unknown model format {format_name!r}; available: {', '.join(MODEL_FORMATS)}")
    model, config = load_model_from_checkpoint(checkpoint)
    text_name = _text_name(config, format_name)
    name = repo_id or "ORG/NAME"
    dest = Path(dest)
    if format_name == "open_clip":
        text_id = _open_clip_text_id(text_name, repo_id)
        usage = (
            "import json, open_clip\n"
            f'model, _, preprocess = open_clip.create_model_and_transforms("hf-hub:{name}")\n'
            f'tokenizer = open_clip.get_tokenizer("hf-hub:{name}")\n'
            f"# from a local copy: the text tower's configuration is still read from the Hub id {text_id};\n"
            "# offline, point it at the copy (it holds that config.json and the tokenizer):\n"
            'text_cfg = {**json.load(open("DIR/open_clip_config.json"))["model_cfg"]["text_cfg"], '
            '"hf_model_name": "DIR"}\n'
            'model, _, preprocess = open_clip.create_model_and_transforms("local-dir:DIR", text_cfg=text_cfg)\n'
            'tokenizer = open_clip.get_tokenizer("local-dir:DIR")'
        )
    else:
        usage = (
            "from transformers import AutoImageProcessor, AutoModel, AutoTokenizer\n"
            f'model = AutoModel.from_pretrained("{name}", trust_remote_code=True)  # or the local folder\n'
            f'tokenizer = AutoTokenizer.from_pretrained("{name}", trust_remote_code=True)\n'
            f'processor = AutoImageProcessor.from_pretrained("{name}")\n'
            "model.get_image_features(**processor(images, return_tensors='pt'))\n"
            "model.get_text_features(**tokenizer(texts, padding=True, truncation=True, return_tensors='pt'))"
        )
    with fresh_dest(dest):
        if format_name == "open_clip":
            _open_clip_files(model, config, dest, text_id)
        else:
            _hf_files(model, config, dest)
        model.text.tokenizer.model_max_length = model.text.max_length  # truncate as in training
        model.text.tokenizer.save_pretrained(str(dest))
        (dest / "README.md").write_text(_model_card(format_name, config, Path(checkpoint), usage), encoding="utf-8")
    return ModelExport(format_name, dest, sorted(p.name for p in dest.iterdir()))
