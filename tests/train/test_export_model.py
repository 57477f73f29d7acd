"""export-model: open_clip and transformers load the exported model in a subprocess that cannot import
mgll_data, and give the same embeddings as mgll_data's own loader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from mgll_data.cli import app
from mgll_data.errors import MgllError
from mgll_data.train.checkpoint import save_checkpoint
from mgll_data.train.config import train_config_from_dict
from mgll_data.train.export_model import export_model
from mgll_data.train.model import build_model, load_model

TEXTS = ["pleural effusion", "normal fundus", "cardiomegaly with effusion"]
WORDS = ["pleural", "effusion", "normal", "fundus", "cardio", "##megaly", "with", "no", "sign", "of"]
BLOCK_MGLL = "import sys\nsys.modules['mgll_data'] = None  # importing mgll_data now fails: the export stands alone\n"


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A 2-layer BERT with a 20-word vocabulary, saved like a hub model (config, weights, tokenizer)."""
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("bert")
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(str(folder))
    config = BertConfig(
        vocab_size=5 + len(WORDS), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(str(folder))
    return folder


def _run(tiny_config, tmp_path, tiny_bert, vision, pooling="mean"):
    settings = tiny_config(
        tmp_path / "ds",
        tmp_path / "run",
        model={"vision": vision, "text": f"hf:{tiny_bert}", "text_pretrained": "default", "text_pooling": pooling},
    )
    config = train_config_from_dict(settings, "test")
    model = build_model(config)
    with torch.no_grad():
        model.logit_scale.fill_(2.5)
    save_checkpoint(tmp_path / "run", 1, model, config, {"step": 1})
    return tmp_path / "run"


def _image(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "image.png"
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(path)
    return path


def _ours(run, image_path):
    model, preprocess, _ = load_model(run)
    with torch.no_grad():
        image = model.encode_image(preprocess(Image.open(image_path))[None])
        text = model.encode_text(TEXTS)
    return image.numpy(), text.numpy()


def _subprocess(script: str, tmp_path, **env_overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"))
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_MGLL + textwrap.dedent(script)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_open_clip_loads_the_export_alone(tiny_config, tmp_path, tiny_bert):
    run = _run(tiny_config, tmp_path, tiny_bert, "timm:test_resnet")
    dest = tmp_path / "open_clip"
    result = CliRunner().invoke(app, ["export-model", str(run), "--format", "open_clip", "--out", str(dest)])
    assert result.exit_code == 0, result.output
    image_path = _image(tmp_path)
    loaded = _subprocess(
        f"""
        import json, torch, open_clip
        from PIL import Image
        model, _, preprocess = open_clip.create_model_and_transforms("local-dir:{dest}")
        tokenizer = open_clip.get_tokenizer("local-dir:{dest}")
        model.eval()
        with torch.no_grad():
            image = model.encode_image(preprocess(Image.open("{image_path}"))[None])
            text = model.encode_text(tokenizer({TEXTS!r}))
        assert "mgll_data" not in {{m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}}
        print(json.dumps({{"image": image.tolist(), "text": text.tolist(), "scale": model.logit_scale.item()}}))
        """,
        tmp_path,
    )
    image, text = _ours(run, image_path)
    np.testing.assert_allclose(np.array(loaded["image"]), image, atol=1e-4)
    np.testing.assert_allclose(np.array(loaded["text"]), text, atol=1e-4)
    assert loaded["scale"] == pytest.approx(2.5)


def test_open_clip_loads_the_export_by_hub_id_after_upload(tiny_config, tmp_path, tiny_bert):
    """The published path: upload the export to a (local fake) Hub, then `hf-hub:ORG/NAME` in a fresh process."""
    from export.fake_hub import TOKEN, start_fake_hub
    from huggingface_hub import HfApi

    run = _run(tiny_config, tmp_path, tiny_bert, "timm:test_resnet")
    export_model(run, tmp_path / "open_clip", "open_clip")
    hub, server = start_fake_hub()
    try:
        api = HfApi(endpoint=hub.url, token=TOKEN)
        api.create_repo("my-org/mgll-tiny")
        api.upload_folder(repo_id="my-org/mgll-tiny", folder_path=tmp_path / "open_clip")
        image_path = _image(tmp_path)
        loaded = _subprocess(
            f"""
            import json, torch, open_clip
            from PIL import Image
            model, _, preprocess = open_clip.create_model_and_transforms("hf-hub:my-org/mgll-tiny")
            tokenizer = open_clip.get_tokenizer("hf-hub:my-org/mgll-tiny")
            model.eval()
            with torch.no_grad():
                image = model.encode_image(preprocess(Image.open("{image_path}"))[None])
                text = model.encode_text(tokenizer({TEXTS!r}))
            print(json.dumps({{"image": image.tolist(), "text": text.tolist()}}))
            """,
            tmp_path,
            HF_HUB_OFFLINE="0",
            HF_ENDPOINT=hub.url,
            HF_HOME=str(tmp_path / "hf-home"),
        )
    finally:
        server.shutdown()
        server.server_close()
    assert "resolve" in hub.calls
    image, text = _ours(run, image_path)
    np.testing.assert_allclose(np.array(loaded["image"]), image, atol=1e-4)
    np.testing.assert_allclose(np.array(loaded["text"]), text, atol=1e-4)


def test_transformers_loads_the_export_alone(tiny_config, tmp_path, tiny_bert):
    run = _run(tiny_config, tmp_path, tiny_bert, "timm:test_vit", pooling="cls")  # a ViT at 32 px, not its 160
    dest = tmp_path / "hf"
    export = export_model(run, dest, "hf")
    assert {"config.json", "model.safetensors", "modeling_mgll.py", "preprocessor_config.json", "README.md"} <= set(
        export.files
    )
    image_path = _image(tmp_path)
    loaded = _subprocess(
        f"""
        import json, torch
        from PIL import Image
        from transformers import AutoImageProcessor, AutoModel, AutoTokenizer
        model = AutoModel.from_pretrained("{dest}", trust_remote_code=True).eval()
        tokenizer = AutoTokenizer.from_pretrained("{dest}", trust_remote_code=True)  # config.json has auto_map
        processor = AutoImageProcessor.from_pretrained("{dest}")
        with torch.no_grad():
            image = model.get_image_features(**processor(Image.open("{image_path}"), return_tensors="pt"))
            text = model.get_text_features(**tokenizer({TEXTS!r}, padding=True, truncation=True, return_tensors="pt"))
        assert "mgll_data" not in {{m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}}
        print(json.dumps({{"image": image.tolist(), "text": text.tolist(), "scale": model.logit_scale.item()}}))
        """,
        tmp_path,
    )
    image, text = _ours(run, image_path)
    np.testing.assert_allclose(np.array(loaded["image"]), image, atol=1e-4)
    np.testing.assert_allclose(np.array(loaded["text"]), text, atol=1e-4)
    assert loaded["scale"] == pytest.approx(2.5)


def test_unsupported_towers_and_sizes_are_clear_errors(tiny_config, tmp_path, tiny_bert):
    tiny = train_config_from_dict(tiny_config(tmp_path / "ds", tmp_path / "tiny"), "test")
    save_checkpoint(tmp_path / "tiny", 1, build_model(tiny), tiny, {"step": 1})
    with pytest.raises(MgllError, match=r"text='tiny'.*timm vision tower with a Hugging Face text tower"):
        export_model(tmp_path / "tiny", tmp_path / "out1", "hf")
    vit = _run(tiny_config, tmp_path, tiny_bert, "timm:test_vit")
    with pytest.raises(MgllError, match=r"open_clip builds timm:test_vit at its default input size.*--format hf"):
        export_model(vit, tmp_path / "out2", "open_clip")
    with pytest.raises(MgllError, match="unknown model format 'onnx'; available: open_clip, hf"):
        export_model(vit, tmp_path / "out3", "onnx")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(MgllError, match="exists and is not an empty folder"):
        export_model(vit, tmp_path / "taken", "hf")
