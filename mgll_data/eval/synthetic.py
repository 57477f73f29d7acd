"""The synthetic shapes benchmark, built like any dataset: a generated tree read by an adapter, through the engine.

`write_synthetic_dataset` draws the tree (`mgll_data.demo.shapes_tree`), builds it with the `synthetic_shapes`
adapter and the ordinary build (manifest, card, rejects), and removes the tree; the folder it returns is read
by the trainer and `mgll-data eval` exactly like a real build, and `validate` checks it like any other.
`SyntheticClassTexts` gives zero-shot class texts for the shapes at each granularity.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from mgll_data.builder import build_recipe
from mgll_data.demo.shapes_tree import shape_rules, write_shapes_tree
from mgll_data.ontology import load_ontology
from mgll_data.recipe import parse_recipe

SOURCE = "synthetic_shapes"
GRANULARITIES = ("disease_text", "descriptions", "explanations")


class SyntheticClassTexts:
    """Zero-shot class texts for the shapes, at each granularity (same provider API as the ontology's):
    their names, every description the generator can write for them, and their ontology explanations."""

    def __init__(self, disease_prompt: Callable[[str, str | None], str] = lambda name, modality: name):
        self.rules = shape_rules()
        self.ontology = load_ontology()
        self.disease_prompt = disease_prompt

    def texts(self, class_id: str, granularity: str) -> list[str]:
        finding = self.ontology.finding(class_id)
        if granularity == "disease_text":
            return [self.disease_prompt(finding.display_name, None)]
        if granularity == "descriptions":
            return [
                self.rules.description(size, class_id, position)
                for size in self.rules.sizes
                for position in self.rules.positions
            ]
        if granularity == "explanations":
            return list(finding.explanations)
        raise KeyError(f"unknown granularity {granularity!r}; expected one of {GRANULARITIES}")


def write_synthetic_dataset(
    out: Path | str,
    sizes: dict[str, int] | None = None,
    image_size: int = 48,
    seed: int = 0,
    rows_per_shard: int = 2000,
) -> Path:
    """Build the benchmark into `out` (a folder that passes `mgll-data validate`); same arguments give
    byte-identical shards. Images are stored at their drawn size (no resize, PNG)."""
    out = Path(out)
    sizes = sizes or {"train": 2000, "test": 500}
    with tempfile.TemporaryDirectory(prefix="mgll-shapes-") as scratch:
        root = write_shapes_tree(Path(scratch) / SOURCE, sizes, image_size, seed)
        recipe = parse_recipe(
            {
                "name": SOURCE,
                "description": f"synthetic shapes benchmark: seed {seed}, image size {image_size}, rows {sizes}",
                "sources": [{"name": SOURCE, "root": str(root)}],
                "output": {"dir": str(out), "shard_size": rows_per_shard},
                "image": {"size": image_size},
            },
            out.parent,
            origin="synthetic benchmark",
        )
        build_recipe(recipe)
    return out
