"""push validates, refuses credentialed sources, and uploads through HfApi (mocked: no network)."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from export.output_fixture import SOURCES, write_output
from huggingface_hub import HfApi
from huggingface_hub.utils import filter_repo_objects
from typer.testing import CliRunner

from mgll_data.cli import app
from mgll_data.errors import MgllError, ValidationError
from mgll_data.export.push import IGNORE_PATTERNS, push_output

URL = "https://huggingface.co/datasets/my-org/fundus-mix"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def api():
    fake = mock.create_autospec(HfApi, instance=True)
    fake.create_repo.return_value = URL
    return fake


def _credentialed_folder(tmp_path, monkeypatch):
    """A folder whose iu_xray source is credentialed, as its adapter declares (validate checks the manifest)."""
    import mgll_data.sources

    adapters = mgll_data.sources.available_sources()
    credentialed = type("CredentialedIu", (adapters["iu_xray"],), {"licence_class": "credentialed"})
    monkeypatch.setattr(mgll_data.sources, "available_sources", lambda: {**adapters, "iu_xray": credentialed})
    sources = {name: dict(info) for name, info in SOURCES.items()}
    sources["iu_xray"]["licence_class"] = "credentialed"
    out = tmp_path / "out"
    write_output(out, sources=sources)
    return out


def test_push_creates_the_repo_and_uploads_the_folder(output_dir, api):
    (output_dir / ".mgll-build").mkdir()
    (output_dir / ".mgll-build" / "state.json").write_text("{}")
    assert push_output(output_dir, "my-org/fundus-mix", api=api) == URL
    api.create_repo.assert_called_once_with("my-org/fundus-mix", repo_type="dataset", private=False, exist_ok=True)
    api.upload_folder.assert_called_once()
    kwargs = api.upload_folder.call_args.kwargs
    assert kwargs["repo_id"] == "my-org/fundus-mix" and kwargs["repo_type"] == "dataset"
    assert kwargs["folder_path"] == output_dir
    assert kwargs["delete_patterns"] == ["data/*"]
    recipe_hash = json.loads((output_dir / "manifest.json").read_text())["recipe_hash"]
    assert "fixture-demo" in kwargs["commit_message"] and recipe_hash in kwargs["commit_message"]
    files = sorted(p.relative_to(output_dir).as_posix() for p in output_dir.rglob("*") if p.is_file())
    uploaded = list(filter_repo_objects(files, ignore_patterns=kwargs["ignore_patterns"]))
    assert ".mgll-build/state.json" in files and ".mgll-build/state.json" not in uploaded
    assert {"README.md", "manifest.json", "rejects.parquet", "data/train-00000-of-00002.parquet"} <= set(uploaded)
    assert 'load_dataset("my-org/fundus-mix")' in (output_dir / "README.md").read_text(encoding="utf-8")


def test_private_flag_reaches_create_repo(output_dir, api):
    push_output(output_dir, "my-org/fundus-mix", private=True, api=api)
    assert api.create_repo.call_args.kwargs["private"] is True


def test_credentialed_source_is_refused_before_any_call(tmp_path, api, monkeypatch):
    out = _credentialed_folder(tmp_path, monkeypatch)
    with pytest.raises(MgllError, match=r"iu_xray are credentialed.*--allow-credentialed"):
        push_output(out, "my-org/cxr", api=api)
    api.create_repo.assert_not_called()
    api.upload_folder.assert_not_called()


def test_credentialed_source_with_override_uploads(tmp_path, api, monkeypatch):
    out = _credentialed_folder(tmp_path, monkeypatch)
    push_output(out, "my-org/cxr", private=True, allow_credentialed=True, api=api)
    api.upload_folder.assert_called_once()


def test_invalid_folder_is_not_uploaded(output_dir, api):
    (output_dir / "rejects.parquet").unlink()
    with pytest.raises(ValidationError, match=r"(?s)not a valid built folder.*rejects.parquet: missing"):
        push_output(output_dir, "my-org/fundus-mix", api=api)
    api.create_repo.assert_not_called()


def test_repo_id_needs_an_owner(output_dir, api):
    with pytest.raises(MgllError, match="expected ORG/NAME"):
        push_output(output_dir, "fundus-mix", api=api)


def test_ignore_patterns_cover_build_state():
    kept = list(filter_repo_objects([".mgll-build/shards/0.done", ".cache/huggingface/x", "data/a.parquet"],
                                    ignore_patterns=list(IGNORE_PATTERNS)))  # fmt: skip
    assert kept == ["data/a.parquet"]


def test_cli_passes_token_and_private(output_dir):
    with mock.patch("huggingface_hub.HfApi", autospec=True) as api_class:
        api_class.return_value.create_repo.return_value = URL
        result = CliRunner().invoke(
            app, ["push", str(output_dir), "--repo-id", "my-org/fundus-mix", "--private", "--token", "hf_test"]
        )
    assert result.exit_code == 0, result.output
    api_class.assert_called_once_with(token="hf_test")
    assert api_class.return_value.create_repo.call_args.kwargs["private"] is True
    assert URL in "".join(result.output.split())  # immune to rich's line wrapping


def test_cli_refusal_is_one_message_and_exit_2(tmp_path, monkeypatch, capsys):
    from mgll_data.cli import main

    out = _credentialed_folder(tmp_path, monkeypatch)
    monkeypatch.setattr("sys.argv", ["mgll-data", "push", str(out), "--repo-id", "my-org/cxr"])
    with mock.patch("huggingface_hub.HfApi", autospec=True) as api_class, pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "credentialed" in capsys.readouterr().err
    api_class.assert_not_called()
