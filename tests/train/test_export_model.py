"""export-model: open_clip and transformers load the exported model in a subprocess that cannot import
mgll_data, and give the same embeddings as mgll_data's own loader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

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


@pytest.fixture(autouse=True)
def usual_umask():
    """Exported files follow the umask: under the usual 022 they must be 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


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


def _no_machine_paths(folder, *paths) -> None:
    """No exported file names a folder of this machine (the run, the text tower, the venv, this checkout)."""
    for path in folder.rglob("*"):
        text = path.read_bytes().decode("utf-8", errors="replace")
        for forbidden in (*map(str, paths), sys.prefix, str(Path(__file__).resolve().parents[2])):
            assert forbidden not in text, f"{path.name} names {forbidden}"
        assert path.stat().st_mode & 0o777 == 0o644, path.name  # safetensors wrote 0600 before


OPEN_CLIP_LOAD = """
    import json, torch, open_clip
    from PIL import Image
    model, _, preprocess = open_clip.create_model_and_transforms({name!r}, **{kwargs})
    tokenizer = open_clip.get_tokenizer({name!r})
    model.eval()
    with torch.no_grad():
        image = model.encode_image(preprocess(Image.open({image!r}))[None])
        text = model.encode_text(tokenizer({texts!r}))
    assert "mgll_data" not in {{m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}}
    print(json.dumps({{"image": image.tolist(), "text": text.tolist(), "scale": model.logit_scale.item()}}))
"""


def test_open_clip_export_loads_on_another_machine(tiny_config, tmp_path, tiny_bert):
    """The text tower's folder, the run and the export's first copy are gone: a copy elsewhere loads offline
    (as its README says) and from the Hub repository it names, in processes without mgll_data or PYTHONPATH."""
    import shutil

    from export.fake_hub import TOKEN, start_fake_hub
    from huggingface_hub import HfApi

    tower = shutil.copytree(tiny_bert, tmp_path / "tower")
    run = _run(tiny_config, tmp_path, tower, "timm:test_resnet")
    dest = tmp_path / "open_clip"
    args = ["export-model", str(run), "--format", "open_clip", "--out", str(dest), "--repo-id", "my-org/mgll-tiny"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    _no_machine_paths(dest, tmp_path, tower, run)
    assert {"config.json", "tokenizer_config.json", "open_clip_model.safetensors"} <= {p.name for p in dest.iterdir()}
    card = (dest / "README.md").read_text(encoding="utf-8")
    assert "pip install torch open_clip_torch timm transformers safetensors" in card
    image_path = _image(tmp_path)
    image, text = _ours(run, image_path)
    copy = shutil.copytree(dest, tmp_path / "elsewhere" / "model")
    for gone in (tower, run, dest):
        shutil.rmtree(gone)

    offline_cfg = json.loads((copy / "open_clip_config.json").read_text())["model_cfg"]["text_cfg"]
    offline_cfg["hf_model_name"] = str(copy)  # the README's offline recipe
    runs = {
        "offline": _subprocess(
            OPEN_CLIP_LOAD.format(
                name=f"local-dir:{copy}", kwargs={"text_cfg": offline_cfg}, image=str(image_path), texts=TEXTS
            ),
            tmp_path / "elsewhere",
        )
    }
    hub, server = start_fake_hub()
    try:
        api = HfApi(endpoint=hub.url, token=TOKEN)
        api.create_repo("my-org/mgll-tiny")
        api.upload_folder(repo_id="my-org/mgll-tiny", folder_path=copy)
        for name in ("hf-hub:my-org/mgll-tiny", f"local-dir:{copy}"):
            runs[name] = _subprocess(
                OPEN_CLIP_LOAD.format(name=name, kwargs={}, image=str(image_path), texts=TEXTS),
                tmp_path / "elsewhere",
                HF_HUB_OFFLINE="0",
                HF_ENDPOINT=hub.url,
                HF_HOME=str(tmp_path / f"hf-home-{len(runs)}"),
            )
    finally:
        server.shutdown()
        server.server_close()
    assert "resolve" in hub.calls
    for loaded in runs.values():
        np.testing.assert_allclose(np.array(loaded["image"]), image, atol=1e-4)
        np.testing.assert_allclose(np.array(loaded["text"]), text, atol=1e-4)
        assert loaded["scale"] == pytest.approx(2.5)


def test_open_clip_export_of_a_local_text_tower_needs_a_repo_id(tiny_config, tmp_path, tiny_bert):
    run = _run(tiny_config, tmp_path, tiny_bert, "timm:test_resnet")
    with pytest.raises(MgllError, match=r"read from the local folder .*add --repo-id ORG/NAME"):
        export_model(run, tmp_path / "refused", "open_clip")
    assert not (tmp_path / "refused").exists()
    with pytest.raises(MgllError, match="--repo-id 'nope': expected a Hub repository id"):
        export_model(run, tmp_path / "refused", "open_clip", repo_id="nope")


def test_transformers_loads_the_export_alone(tiny_config, tmp_path, tiny_bert):
    run = _run(tiny_config, tmp_path, tiny_bert, "timm:test_vit", pooling="cls")  # a ViT at 32 px, not its 160
    dest = tmp_path / "hf"
    export = export_model(run, dest, "hf")
    assert {"config.json", "model.safetensors", "modeling_mgll.py", "preprocessor_config.json", "README.md"} <= set(
        export.files
    )
    _no_machine_paths(dest, tmp_path, tiny_bert)
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
    assert not (tmp_path / "out1").exists()
    vit = _run(tiny_config, tmp_path, tiny_bert, "timm:test_vit")
    (tmp_path / "out2").mkdir()  # an empty folder given by the user stays, empty
    with pytest.raises(MgllError, match=r"open_clip builds timm:test_vit at its default input size.*--format hf"):
        export_model(vit, tmp_path / "out2", "open_clip", repo_id="my-org/vit")
    assert list((tmp_path / "out2").iterdir()) == []
    with pytest.raises(MgllError, match=r"open_clip builds timm:test_vit"):
        export_model(vit, tmp_path / "out4", "open_clip", repo_id="my-org/vit")
    assert not (tmp_path / "out4").exists()
    with pytest.raises(MgllError, match="unknown model format 'onnx'; available: open_clip, hf"):
        export_model(vit, tmp_path / "out3", "onnx")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(MgllError, match="exists and is not an empty folder"):
        export_model(vit, tmp_path / "taken", "hf")
