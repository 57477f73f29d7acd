"""The build's working state inside the output folder, which makes a killed build resumable.

`OUT/.mgll-build/` (hidden, so `load_dataset` and Hub uploads of the folder ignore it) holds the planned
tasks, one completion record per finished shard, the adapters' rejects and the recipe hash of the build
that wrote them. A completion record names the content hash of its task, so a shard is reused only when
the same records under the same recipe would produce it again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from mgll_data import storage
from mgll_data.config_io import JsonObject
from mgll_data.output_layout import (
    DATA_DIR,
    DONE_DIR,
    PLAN_REJECTS_FILE,
    STATE_FILE,
    TASKS_DIR,
    TMP_PREFIX,
    WORK_DIR,
)
from mgll_data.records import CompletionRecord

PACKAGE_DIR = Path(__file__).resolve().parents[1]
CODE_SUFFIXES = (".py", ".yaml", ".yml", ".tsv", ".csv", ".json", ".txt")


def code_fingerprint(package_dir: Path = PACKAGE_DIR) -> str:
    """Hash of mgll-data's code and data files (ontology, text rules): rows depend on them as much as on
    the recipe, so shards built by other code or data are never reused."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package_dir.rglob("*") if p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\x00" + path.read_bytes() + b"\x00")
    return digest.hexdigest()


def atomic_write_text(path: Path, text: str) -> None:
    """Write next to the target, then rename: readers see the old file or the whole new one (in an object store,
    one PUT gives the same)."""
    if storage.is_remote(path):
        path.write_text(text, encoding="utf-8")
        return
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}")
    tmp.write_text(text, encoding="utf-8")
    storage.replace(tmp, path)


def read_json(path: Path) -> JsonObject | None:
    """A JSON object from build state; None when the file is truncated or otherwise not one (a killed write)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class WorkDir:
    out: storage.AnyPath

    @property
    def root(self) -> Path:
        return self.out / WORK_DIR

    @property
    def data(self) -> Path:
        return self.out / DATA_DIR

    @property
    def tasks(self) -> Path:
        return self.root / TASKS_DIR

    @property
    def done(self) -> Path:
        return self.root / DONE_DIR

    @property
    def plan_rejects(self) -> Path:
        return self.root / PLAN_REJECTS_FILE

    @property
    def plan_notes(self) -> Path:
        """Per source entry, what planning learnt beyond rows and rejects (split origins, unmapped values)."""
        return self.tasks / "plan-notes.json"

    @property
    def state(self) -> Path:
        return self.root / STATE_FILE

    def prepare(self, recipe_hash: str, code_hash: str) -> str | None:
        """Create the folders; return a message when state from another recipe or code, or damaged state, was
        discarded. A previous manifest stays until the new one replaces it (finalize writes it atomically)."""
        message = None
        previous = read_json(self.state) if self.state.exists() else {}
        if previous is None:
            message = f"the build state {self.state} is damaged"
        elif previous:
            if previous.get("recipe_hash") != recipe_hash:
                message = (
                    f"recipe changed since the previous build in {self.out} "
                    f"(hash {str(previous.get('recipe_hash'))[:12]} -> {recipe_hash[:12]})"
                )
            elif previous.get("code_hash") != code_hash:
                message = f"mgll-data code or data files changed since the previous build in {self.out}"
        if message:
            storage.remove_tree(self.done)
            message += ": its shards are not reused, rebuilding all"
        for folder in (self.tasks, self.done, self.data):
            folder.mkdir(parents=True, exist_ok=True)
        for leftover in [*self.data.glob(f"{TMP_PREFIX}*"), *self.root.rglob(f"{TMP_PREFIX}*")]:
            leftover.unlink()
        self.write_state(recipe_hash, code_hash, finished=False)
        return message

    def write_state(self, recipe_hash: str, code_hash: str, finished: bool) -> None:
        """`finished` is false from the start of a build until its manifest is written (validate reports it)."""
        state = {"recipe_hash": recipe_hash, "code_hash": code_hash, "finished": finished}
        atomic_write_text(self.state, json.dumps(state))

    def done_path(self, shard_name: str) -> Path:
        return self.done / f"{shard_name}.json"

    def read_done(self, shard_name: str) -> CompletionRecord | None:
        """The completion record, or None when there is none or it is damaged (the task is then redone)."""
        path = self.done_path(shard_name)
        data = read_json(path) if path.exists() else None
        if data is None:
            return None
        try:
            return CompletionRecord.from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def write_done(self, shard_name: str, record: CompletionRecord) -> None:
        atomic_write_text(self.done_path(shard_name), json.dumps(record.to_json(), sort_keys=True))

    def clear_tasks(self) -> None:
        storage.remove_tree(self.tasks)
