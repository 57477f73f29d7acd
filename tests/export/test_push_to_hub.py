"""push against a local fake of the Hub API (tests/export/fake_hub.py) served on 127.0.0.1: uploads, the
client's retry after a dropped connection, resume after a failed run, refusals; and that a failure is one
line with the folder left exactly as it was."""

from __future__ import annotations

import hashlib

import pytest
from export.fake_hub import TOKEN, start_fake_hub
from export.output_fixture import SOURCES, write_output
from huggingface_hub import HfApi, constants
from huggingface_hub.utils import filter_repo_objects
from typer.testing import CliRunner

from mgll_data.cli import app
from mgll_data.errors import MgllError, ValidationError
from mgll_data.export.push import IGNORE_PATTERNS, PushError, plan_push, push_output

REPO = "my-org/fundus-mix"
UPLOADED = {
    "README.md",
    "manifest.json",
    "rejects.parquet",
    "data/train-00000-of-00002.parquet",
    "data/train-00001-of-00002.parquet",
    "data/validation-00000-of-00001.parquet",
    "data/test-00000-of-00001.parquet",
}


@pytest.fixture
def hub(monkeypatch):
    fake, server = start_fake_hub()
    # the CLI builds its own HfApi: point the client's defaults at the fake, never at the real Hub
    monkeypatch.setattr(constants, "ENDPOINT", fake.url)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(hub):
    return HfApi(endpoint=hub.url, token=TOKEN)


def _snapshot(folder):
    """Every file's bytes and modification time: what 'nothing local changed' means."""
    return {
        path.relative_to(folder).as_posix(): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


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


def test_push_uploads_the_folder_with_a_card_for_the_repo(output_dir, hub, api):
    (output_dir / ".mgll-build").mkdir()
    (output_dir / ".mgll-build" / "state.json").write_text("{}")
    result = push_output(output_dir, REPO, private=True, api=api)
    assert result.url == f"{hub.url}/datasets/{REPO}" and result.commit_url.startswith(result.url + "/commit/")
    remote = hub.files(REPO)
    assert set(remote) == UPLOADED
    shard = "data/train-00000-of-00002.parquet"
    assert remote[shard] == (output_dir / shard).read_bytes()
    assert f'load_dataset("{REPO}")'.encode() in remote["README.md"]
    assert (output_dir / "README.md").read_bytes() == remote["README.md"]  # written locally only after success
    assert hub.repos[REPO].private is True
    assert "fixture-demo" in hub.repos[REPO].commits[0]["summary"]


def test_dropped_connection_is_retried_and_the_push_completes(output_dir, hub, api):
    hub.drop["commit"] = 1
    push_output(output_dir, REPO, api=api)
    assert hub.calls.count("commit") == 2
    assert set(hub.files(REPO)) == UPLOADED


def test_failed_upload_changes_nothing_locally_and_a_rerun_resumes(output_dir, hub, api):
    before = _snapshot(output_dir)
    hub.fail["commit"] = (400, 1)
    with pytest.raises(PushError, match=rf"^push to {REPO} failed \(HTTP 400\): the Hub rejected the request"):
        push_output(output_dir, REPO, api=api)
    assert _snapshot(output_dir) == before
    assert hub.files(REPO) == {}
    push_output(output_dir, REPO, api=api)
    assert set(hub.files(REPO)) == UPLOADED
    commits = len(hub.repos[REPO].commits)
    push_output(output_dir, REPO, api=api)  # everything already there: the client commits nothing new
    assert len(hub.repos[REPO].commits) == commits


def test_network_down_is_one_line_and_changes_nothing(output_dir, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    before = _snapshot(output_dir)
    down = HfApi(endpoint="http://127.0.0.1:9", token=TOKEN)  # the discard port: nothing listens
    with pytest.raises(PushError) as caught:
        push_output(output_dir, REPO, api=down)
    message = str(caught.value)
    assert "\n" not in message and REPO in message and "could not reach http://127.0.0.1:9" in message
    assert "re-run the same command" in message
    assert _snapshot(output_dir) == before


def test_cli_network_failure_prints_one_line_and_exit_2(output_dir, hub, monkeypatch):
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    before = _snapshot(output_dir)
    result = CliRunner().invoke(app, ["push", str(output_dir), "--repo-id", REPO])
    assert isinstance(result.exception, PushError) and "ConnectError" in str(result.exception)
    assert _snapshot(output_dir) == before


def test_rejected_token_is_one_line(output_dir, hub):
    with pytest.raises(PushError, match=r"\(HTTP 401\): the Hub refused the token; run `hf auth login`"):
        push_output(output_dir, REPO, api=HfApi(endpoint=hub.url, token="hf_wrong"))


def test_revision_pushes_to_a_branch_created_from_main(output_dir, hub, api):
    push_output(output_dir, REPO, api=api, revision="v2")
    assert set(hub.files(REPO, "v2")) == UPLOADED
    assert hub.files(REPO, "main") == {}


def test_create_pr_commits_to_a_pull_request_ref(output_dir, hub, api):
    result = push_output(output_dir, REPO, api=api, create_pr=True)
    assert result.pr_url is not None and result.pr_url.endswith("/discussions/1")
    assert set(hub.files(REPO, "refs/pr/1")) == UPLOADED
    assert hub.files(REPO, "main") == {}
    with pytest.raises(MgllError, match="--create-pr opens a pull request against main"):
        push_output(output_dir, REPO, api=api, create_pr=True, revision="v2")


def test_dry_run_lists_files_sizes_and_card_diff_without_any_call(output_dir, hub):
    before = _snapshot(output_dir)
    result = CliRunner().invoke(
        app, ["push", str(output_dir), "--repo-id", REPO, "--dry-run"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    size = (output_dir / "manifest.json").stat().st_size
    assert "manifest.json" in result.output and f"{size:,}" in result.output
    assert "7 files" in result.output
    assert f'+ds = load_dataset("{REPO}")' in result.output and "README.md (uploaded)" in result.output
    assert hub.calls == []
    assert _snapshot(output_dir) == before


def test_no_derivatives_source_is_warned_about(output_dir, hub):
    plan = plan_push(output_dir, REPO)
    assert any("iu_xray is licensed cc-by-nc-nd-4.0 (no derivatives)" in warning for warning in plan.warnings)
    result = CliRunner().invoke(app, ["push", str(output_dir), "--repo-id", REPO, "--dry-run"])
    assert "warning:" in result.output and "no derivatives" in result.output


def test_credentialed_source_is_refused_before_any_call(tmp_path, hub, api, monkeypatch):
    out = _credentialed_folder(tmp_path, monkeypatch)
    with pytest.raises(MgllError, match=r"iu_xray are credentialed.*--allow-credentialed"):
        push_output(out, "my-org/cxr", api=api)
    assert hub.calls == []


def test_credentialed_source_with_override_uploads_and_warns(tmp_path, hub, api, monkeypatch):
    out = _credentialed_folder(tmp_path, monkeypatch)
    plan = plan_push(out, "my-org/cxr", allow_credentialed=True)
    assert any("iu_xray is credentialed" in warning for warning in plan.warnings)
    push_output(out, "my-org/cxr", private=True, allow_credentialed=True, api=api)
    assert "manifest.json" in hub.files("my-org/cxr")


def test_invalid_folder_is_not_uploaded(output_dir, hub, api):
    (output_dir / "rejects.parquet").unlink()
    with pytest.raises(ValidationError, match=r"(?s)not a valid built folder.*rejects.parquet: missing"):
        push_output(output_dir, REPO, api=api)
    assert hub.calls == []


@pytest.mark.parametrize("repo_id", ["fundus-mix", "a/b/c", "/name"])
def test_bad_repo_id_is_one_clear_message(output_dir, hub, repo_id):
    with pytest.raises(MgllError, match="expected ORG/NAME"):
        push_output(output_dir, repo_id)
    assert hub.calls == []


def test_ignore_patterns_cover_build_state():
    kept = list(filter_repo_objects([".mgll-build/shards/0.done", ".cache/huggingface/x", "data/a.parquet"],
                                    ignore_patterns=list(IGNORE_PATTERNS)))  # fmt: skip
    assert kept == ["data/a.parquet"]


def test_cli_passes_token_and_private(output_dir, hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    args = ["push", str(output_dir), "--repo-id", REPO, "--private", "--token"]
    refused = CliRunner().invoke(app, [*args, "hf_wrong"])
    assert isinstance(refused.exception, PushError) and "HTTP 401" in str(refused.exception)
    result = CliRunner().invoke(app, [*args, TOKEN])
    assert result.exit_code == 0, result.output
    assert hub.repos[REPO].private is True
    assert f"{hub.url}/datasets/{REPO}/commit/" in "".join(result.output.split())  # immune to rich's wrapping


def test_cli_refusal_is_one_message_and_exit_2(tmp_path, hub, monkeypatch, capsys):
    from mgll_data.cli import main

    out = _credentialed_folder(tmp_path, monkeypatch)
    monkeypatch.setattr("sys.argv", ["mgll-data", "push", str(out), "--repo-id", "my-org/cxr"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "credentialed" in err and "Traceback" not in err
    assert hub.calls == []
