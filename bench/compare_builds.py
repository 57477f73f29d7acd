"""Whether two builds of the same recipe stored the same things: ids, labels, attributes, geometry, hashes, texts
and decoded pixels, row by row; the stored image bytes are counted apart (an encoder change alters them alone).

Used to check that a speed change kept the output: build one tree with the old and the new code, then

    .venv/bin/python bench/compare_builds.py OLD_OUT NEW_OUT
"""

from __future__ import annotations

import argparse
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

COMPARED = (
    "split", "patient_id", "labels", "uncertain_labels", "negative_labels", "attributes", "geometry",
    "width", "height", "view", "laterality", "hashes", "disease_text", "descriptions", "explanations",
)  # fmt: skip


def rows(folder: Path) -> dict[str, dict]:
    shards = sorted((folder / "data").glob("*.parquet"))
    return {row["id"]: row for row in pa.concat_tables([pq.read_table(s) for s in shards]).to_pylist()}


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    old, new = rows(args.old), rows(args.new)
    if old.keys() != new.keys():
        only_old, only_new = len(old.keys() - new.keys()), len(new.keys() - old.keys())
        raise SystemExit(f"different ids: {only_old} only in old, {only_new} only in new")
    differing: Counter[str] = Counter()
    same_bytes = 0
    for row_id, before in old.items():
        after = new[row_id]
        differing.update(column for column in COMPARED if before[column] != after[column])
        if not np.array_equal(pixels(before["image"]["bytes"]), pixels(after["image"]["bytes"])):
            differing["pixels"] += 1
        same_bytes += before["image"]["bytes"] == after["image"]["bytes"]
    print(f"{len(old)} rows; rows differing per column: {dict(differing) or 'none'}; "
          f"identical stored image bytes: {same_bytes}/{len(old)}")
    if differing:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
