"""Publishing a built folder to a Hub dataset repository.

The folder already is a complete dataset repository (shards, card, manifest, rejects), so publishing is
an upload, not a conversion: validate, refuse credentialed sources unless told otherwise, refresh the
card's loading example with the repo id, then one `upload_folder` call. With hf_xet (huggingface_hub 2.x)
that call batches large folders into several commits and resumes when re-run; remote shards that are
not in the folder are deleted, so a rebuild with fewer shards never leaves stale ones under the glob.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mgll_data.errors import MgllError, ValidationError
from mgll_data.export.card import write_card
from mgll_data.output_layout import read_manifest, require_output_dir

if TYPE_CHECKING:
    from huggingface_hub import HfApi

# Build-internal state, caches and the local stats report never leave the machine.
IGNORE_PATTERNS: tuple[str, ...] = (".mgll-build/*", ".cache/*", "stats/*")
DELETE_PATTERNS: tuple[str, ...] = ("data/*",)
SHOWN_VIOLATIONS = 10


def credentialed_sources(manifest: dict) -> list[str]:
    return sorted(
        name for name, info in manifest.get("sources", {}).items() if info.get("licence_class") == "credentialed"
    )


def push_output(
    out_dir: Path | str,
    repo_id: str,
    *,
    private: bool = False,
    allow_credentialed: bool = False,
    token: str | None = None,
    api: HfApi | None = None,
) -> str:
    """Upload a valid built folder to the dataset repo `repo_id`; returns the repo URL.

    Raises ValidationError when the folder breaks the contract and MgllError when a source is credentialed
    and `allow_credentialed` is false. `api` replaces the default `HfApi(token=token)` (tests pass a mock).
    """
    from mgll_data.checks.validate import validate_output

    out_dir = require_output_dir(out_dir)
    if "/" not in repo_id.strip("/"):
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
            f"{out_dir / 'manifest.json'}: source(s) {', '.join(restricted)} are credentialed (their data-use "
            "agreement forbids redistribution); nothing was uploaded. Pass --allow-credentialed only for a "
            "private repository shared with people who signed the same agreement."
        )
    write_card(out_dir, manifest, load_path=repo_id)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    repo = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    api.upload_folder(
        repo_id=repo_id,
        folder_path=out_dir,
        repo_type="dataset",
        ignore_patterns=list(IGNORE_PATTERNS),
        delete_patterns=list(DELETE_PATTERNS),
        commit_message=f"mgll-data: {manifest.get('recipe', {}).get('name', out_dir.name)} "
        f"(recipe {manifest.get('recipe_hash', '')})",
    )
    return str(repo)
