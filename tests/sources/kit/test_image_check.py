"""`Source.check_image_file` answers a plain file from one `lstat`: its type, size and permission bits."""

from __future__ import annotations

import os
from pathlib import Path

from trees.aptos import TRAIN, make_tree

from mgll_data.sources.aptos import AptosSource
from mgll_data.sources.base import RawRecord


def test_read_permission_comes_from_the_bits_and_os_access_only_confirms_a_denial(tmp_path: Path, monkeypatch) -> None:
    root, _ = make_tree(tmp_path / "aptos")
    locked = root / "train_images" / f"{TRAIN[0][0]}.png"
    locked.chmod(0o200)  # the owner may write, nobody may read
    asked: list[str] = []

    def access(path: str | os.PathLike[str], mode: int) -> bool:
        asked.append(Path(path).name)
        return False

    # not the owner, not in the file's group, not root: the "other" bits decide
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    monkeypatch.setattr(os, "getegid", lambda: 4242)
    monkeypatch.setattr(os, "getgroups", lambda: [])
    monkeypatch.setattr(os, "access", access)
    items = list(AptosSource(root).records())
    rejects = {Path(r.item).name: r.reason for r in items if not isinstance(r, RawRecord)}
    assert rejects[locked.name] == "permission_denied"
    assert asked == [locked.name]  # readable files cost no second system call
    assert len([r for r in items if isinstance(r, RawRecord)]) == 4  # two other train images (one is missing), two test
