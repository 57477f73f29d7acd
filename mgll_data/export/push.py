"""Publishing a built folder to a Hub dataset repository.

The folder already is a complete dataset repository (shards, card, manifest, rejects), so publishing is
an upload, not a conversion: validate, refuse credentialed sources unless told otherwise, warn about
sources whose licence forbids derivatives, then one `upload_folder` call. With hf_xet (huggingface_hub 2.x)
that call is the client's resumable large-folder upload: it batches large folders into several commits and
a re-run skips what was already committed. Remote shards that are not in the folder are deleted, so a
rebuild with fewer shards never leaves stale ones under the glob.

Nothing local changes before the upload succeeded: the card with the repo id in its loading example is
uploaded from a staging folder of hard links (symlinks across file systems), and only written into the
folder afterwards. Every network or Hub failure ends as one `PushError` line naming the repo and what to do.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mgll_data import storage
from mgll_data.errors import MgllError, ValidationError
from mgll_data.export.card import render_card
from mgll_data.export.terms import source_terms
from mgll_data.output_layout import CARD_FILE, DATA_DIR, MANIFEST_FILE, WORK_DIR, read_manifest, require_output_dir

if TYPE_CHECKING:
    from huggingface_hub import HfApi

# Build-internal state, caches and the local stats report never leave the machine.
IGNORE_PATTERNS: tuple[str, ...] = (f"{WORK_DIR}/*", ".cache/*", "stats/*")
DELETE_PATTERNS: tuple[str, ...] = (f"{DATA_DIR}/*",)
SHOWN_VIOLATIONS = 10
RESUME_HINT = "re-run the same command to resume (files already committed are skipped)"


class PushError(MgllError):
    """The Hub or the network refused the upload; the message names the repo and what to do."""


@dataclass(frozen=True)
class PushPlan:
    """What a push would do: the files with their sizes, the card before and after, licence warnings."""

    out_dir: Path
    repo_id: str
    files: list[tuple[str, int]]
    card_before: str
    card_after: str
    warnings: list[str]
    commit_message: str

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.files)

    def card_diff(self) -> str:
        """Unified diff of the local card against the one that would be uploaded ('' when equal)."""
        lines = difflib.unified_diff(
            self.card_before.splitlines(keepends=True),
            self.card_after.splitlines(keepends=True),
            fromfile=f"{CARD_FILE} (local)",
            tofile=f"{CARD_FILE} (uploaded)",
        )
        return "".join(lines)


@dataclass(frozen=True)
class PushResult:
    url: str
    commit_url: str
    pr_url: str | None


def credentialed_sources(manifest: dict) -> list[str]:
    return sorted(
        name for name, info in manifest.get("sources", {}).items() if info.get("licence_class") == "credentialed"
    )


def _ignored(relative: str) -> bool:
    from huggingface_hub.utils import filter_repo_objects

    return not list(filter_repo_objects([relative], ignore_patterns=list(IGNORE_PATTERNS)))


def _upload_files(out_dir: Path) -> list[tuple[str, int]]:
    files = []
    for path in sorted(out_dir.rglob("*")):
        relative = path.relative_to(out_dir).as_posix()
        if path.is_file() and not _ignored(relative):
            files.append((relative, path.stat().st_size))
    return files


def plan_push(out_dir: Path | str, repo_id: str, *, allow_credentialed: bool = False) -> PushPlan:
    """Check the folder and say what a push would upload; touches neither the folder nor the network.

    Raises ValidationError when the folder breaks the contract and MgllError for a bad repo id or a
    credentialed source without `allow_credentialed`.
    """
    from mgll_data.checks.validate import validate_output

    out_dir = require_output_dir(out_dir)
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise MgllError(f"--repo-id {repo_id!r}: expected ORG/NAME (a Hub dataset repository id)")
    violations = validate_output(out_dir)
    if violations:
        shown = "\n".join(f"  - {violation}" for violation in violations[:SHOWN_VIOLATIONS])
        more = f"\n  ... and {len(violations) - SHOWN_VIOLATIONS} more" if len(violations) > SHOWN_VIOLATIONS else ""
        raise ValidationError(
            f"{out_dir} is not a valid built folder, nothing was uploaded "
            f"(run `mgll-data validate {out_dir}` for the full list):\n{shown}{more}"
        )
    manifest = read_manifest(out_dir)
    restricted = credentialed_sources(manifest)
    if restricted and not allow_credentialed:
        raise MgllError(
            f"{out_dir / MANIFEST_FILE}: source(s) {', '.join(restricted)} are credentialed (their data-use "
            "agreement forbids redistribution); nothing was uploaded. Pass --allow-credentialed only for a "
            "private repository shared with people who signed the same agreement."
        )
    warnings = [
        f"source {name} is credentialed: publish only to a private repository whose members signed its agreement"
        for name in restricted
    ]
    warnings += [
        f"source {terms.entry} is licensed {terms.license} (no derivatives): these parsed and relabelled rows are "
        f"a derivative its licence does not allow to be shared; check its terms ({terms.license_link}) first"
        for terms in source_terms(manifest)
        if terms.no_derivatives
    ]
    card_path = out_dir / CARD_FILE
    recipe = manifest.get("recipe", {})
    return PushPlan(
        out_dir=out_dir,
        repo_id=repo_id,
        files=_upload_files(out_dir),
        card_before=card_path.read_text(encoding="utf-8") if card_path.is_file() else "",
        card_after=render_card(manifest, load_path=repo_id),
        warnings=warnings,
        commit_message=f"mgll-data: {recipe.get('name', out_dir.name)} (recipe {manifest.get('recipe_hash', '')})",
    )


@contextmanager
def _staged(plan: PushPlan) -> Iterator[Path]:
    """A temporary copy of the folder's uploadable files as links, with the card for the repo (a folder in an object
    store is downloaded into it: the Hub client uploads from a local folder)."""
    with tempfile.TemporaryDirectory(prefix="mgll-push-") as temporary:
        stage = Path(temporary)
        for relative, _ in plan.files:
            target = stage / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if relative == CARD_FILE:
                continue
            if storage.is_remote(plan.out_dir):
                with (plan.out_dir / relative).open("rb") as source, target.open("wb") as copy:
                    shutil.copyfileobj(source, copy, 1 << 20)
                continue
            try:
                os.link(plan.out_dir / relative, target)
            except OSError:  # another file system, or links not allowed: the client follows symlinks
                target.symlink_to((plan.out_dir / relative).resolve())
        (stage / CARD_FILE).write_text(plan.card_after, encoding="utf-8")
        yield stage


def hub_failure(exc: BaseException, repo_id: str, endpoint: str) -> PushError:
    """One line for a failed Hub call: what happened to `repo_id` and what the user can do."""
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalTokenNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"push to {repo_id} failed"
    if isinstance(exc, OfflineModeIsEnabled):
        return PushError(f"{where}: HF_HUB_OFFLINE is set; unset it to publish")
    if isinstance(exc, LocalTokenNotFoundError):
        return PushError(f"{where}: no Hub token; run `hf auth login` or pass --token")
    if isinstance(exc, RevisionNotFoundError):
        return PushError(f"{where}: the revision does not exist on the Hub; check --revision")
    if isinstance(exc, RepositoryNotFoundError):
        return PushError(f"{where}: repository not found or not writable with this token; check --repo-id and --token")
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        advice = {
            401: "the Hub refused the token; run `hf auth login` or pass a valid --token",
            403: "this token may not write there; use a write token of a member of the organisation",
            409: "the Hub reported a conflict (a concurrent change?); " + RESUME_HINT,
            413: "a request was too large for the Hub; " + RESUME_HINT,
            429: "rate-limited by the Hub; wait a few minutes, then " + RESUME_HINT,
        }.get(status or 0)
        if advice is None:
            advice = (
                f"the Hub is failing; {RESUME_HINT} later"
                if status and status >= 500
                else "the Hub rejected the request: " + " ".join(str(exc).split())[:200]
            )
        return PushError(f"{where} (HTTP {status}): {advice}")
    return PushError(
        f"{where}: could not reach {endpoint} ({type(exc).__name__}); check the network (or HF_ENDPOINT), then "
        + RESUME_HINT
    )


def _network_errors() -> tuple[type[BaseException], ...]:
    from huggingface_hub.errors import HfHubHTTPError, LocalTokenNotFoundError, OfflineModeIsEnabled
    from huggingface_hub.utils import httpx  # the hub client's HTTP library, under a name stable across versions

    return (HfHubHTTPError, LocalTokenNotFoundError, OfflineModeIsEnabled, httpx.TransportError, ConnectionError)


def push_output(
    out_dir: Path | str,
    repo_id: str,
    *,
    private: bool = False,
    allow_credentialed: bool = False,
    token: str | None = None,
    revision: str | None = None,
    create_pr: bool = False,
    api: HfApi | None = None,
    plan: PushPlan | None = None,
) -> PushResult:
    """Upload a valid built folder to the dataset repo `repo_id`; on success write the card locally too.

    `revision` pushes to that branch (created from main when missing); `create_pr` opens a pull request
    instead of committing to main. `api` replaces the default `HfApi(token=token)`; `plan` reuses a
    `plan_push` already made (the CLI shows its warnings first).
    """
    if create_pr and revision:
        raise MgllError("--create-pr opens a pull request against main; leave --revision out (or push to a branch)")
    plan = plan or plan_push(out_dir, repo_id, allow_credentialed=allow_credentialed)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    try:
        repo = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        if revision and not revision.startswith("refs/"):
            api.create_branch(repo_id, branch=revision, repo_type="dataset", exist_ok=True)
        with _staged(plan) as stage:
            commit = api.upload_folder(
                repo_id=repo_id,
                folder_path=stage,
                repo_type="dataset",
                revision=revision,
                create_pr=create_pr,
                ignore_patterns=list(IGNORE_PATTERNS),
                delete_patterns=list(DELETE_PATTERNS),
                commit_message=plan.commit_message,
            )
    except _network_errors() as exc:
        raise hub_failure(exc, repo_id, api.endpoint) from None
    card = plan.out_dir / CARD_FILE
    temporary = card.with_name(card.name + ".tmp")
    temporary.write_text(plan.card_after, encoding="utf-8")
    storage.replace(temporary, card)
    return PushResult(str(repo), str(getattr(commit, "commit_url", "")), getattr(commit, "pr_url", None))
