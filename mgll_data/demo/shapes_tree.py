"""The synthetic shapes benchmark as a download-like tree: drawn PNGs and one CSV that labels them.

Why: comparing training losses (CLIP vs MGLL) needs data whose truth is known, whose findings co-occur and
whose every image has text at three granularities, small enough to train on a CPU in minutes. The tree is
read by the `synthetic_shapes` adapter and built by the engine like any source, so the benchmark folder is an
ordinary build. Layout: `ROOT/labels.csv` (`image,split,patient,shapes,descriptions`; shapes are ontology ids
and descriptions are sentences, each joined by `|`) and `ROOT/images/<split>/<split>_<index>.png`.
Drawing rules (nouns, sizes, positions, prevalence, co-occurrence) are data in `data/shapes.yaml`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mgll_data.data_files import read_data_yaml

LABELS_FILE = "labels.csv"
COLUMNS = ("image", "split", "patient", "shapes", "descriptions")
SEPARATOR = "|"


@dataclass(frozen=True)
class ShapeRules:
    """How shapes are drawn and described; `ids` are the ontology ids of the `synthetic` findings."""

    nouns: dict[str, str]
    sizes: tuple[str, ...]
    positions: tuple[str, ...]
    description_template: str
    prevalence: float
    co_occurrence: tuple[tuple[str, str, float], ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.nouns)

    def description(self, size: str, shape_id: str, position: str) -> str:
        return self.description_template.format(size=size, noun=self.nouns[shape_id], position=position)


@cache
def shape_rules() -> ShapeRules:
    data = read_data_yaml("mgll_data.demo", "data/shapes.yaml")
    return ShapeRules(
        nouns=dict(data["nouns"]),
        sizes=tuple(data["sizes"]),
        positions=tuple(data["positions"]),
        description_template=data["description_template"],
        prevalence=float(data["prevalence"]),
        co_occurrence=tuple((c["given"], c["then"], float(c["p"])) for c in data["co_occurrence"]),
    )


def draw_shapes(rng: np.random.Generator, rules: ShapeRules) -> list[str]:
    """Shapes of one image: independent draws at `prevalence`, then the co-occurrence rules, one per quadrant."""
    present = {shape for shape in rules.ids if rng.random() < rules.prevalence}
    for given, then, p in rules.co_occurrence:
        if given in present and rng.random() < p:
            present.add(then)
    ordered = [shape for shape in rules.ids if shape in present]
    if len(ordered) > len(rules.positions):
        keep = set(rng.choice(ordered, size=len(rules.positions), replace=False).tolist())
        ordered = [shape for shape in ordered if shape in keep]
    return ordered


def _draw(draw: ImageDraw.ImageDraw, noun: str, box: tuple[int, int, int, int], colour, rng) -> None:
    x0, y0, x1, y1 = box
    if noun == "circle":
        draw.ellipse(box, fill=colour)
    elif noun == "square":
        draw.rectangle(box, fill=colour)
    elif noun == "triangle":
        draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=colour)
    elif noun == "set of stripes":
        for y in range(y0, y1 + 1, 4):
            draw.line([(x0, y), (x1, y)], fill=colour, width=2)
    elif noun == "cluster of dots":
        for _ in range(int(rng.integers(5, 9))):
            cx, cy = int(rng.integers(x0, x1 + 1)), int(rng.integers(y0, y1 + 1))
            draw.ellipse((cx - 1, cy - 1, cx + 1, cy + 1), fill=colour)
    elif noun == "cross":
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        draw.line([(cx, y0), (cx, y1)], fill=colour, width=3)
        draw.line([(x0, cy), (x1, cy)], fill=colour, width=3)
    else:
        raise ValueError(f"no drawing rule for shape noun {noun!r}")


def render_image(image_size: int, rng: np.random.Generator) -> tuple[Image.Image, list[str], list[str]]:
    """One image with its drawn shapes (ontology ids, in vocabulary order) and one description per shape."""
    rules = shape_rules()
    shapes = draw_shapes(rng, rules)
    background = rng.normal(40, 12, size=(image_size, image_size, 3)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(background, mode="RGB")
    draw = ImageDraw.Draw(image)
    half = image_size // 2
    quadrants = rng.permutation(len(rules.positions))[: len(shapes)]
    descriptions = []
    for shape, quadrant in zip(shapes, quadrants, strict=True):
        size = rules.sizes[int(rng.integers(len(rules.sizes)))]
        extent = int(half * (0.75 if size == "large" else 0.42))
        row, col = divmod(int(quadrant), 2)
        left = col * half + int(rng.integers(1, half - extent))
        top = row * half + int(rng.integers(1, half - extent))
        colour = tuple(int(v) for v in rng.integers(150, 256, size=3))
        _draw(draw, rules.nouns[shape], (left, top, left + extent, top + extent), colour, rng)
        descriptions.append(rules.description(size, shape, rules.positions[int(quadrant)]))
    return image, shapes, descriptions


def write_shapes_tree(root: Path, sizes: dict[str, int], image_size: int = 48, seed: int = 0) -> Path:
    """Draw `sizes[split]` images per split under `root` and list them in `labels.csv`; same arguments give
    the same files. Two consecutive images share a patient, so patient-level splitting has work to do."""
    root = Path(root)
    lines = []
    for split_index, (split, count) in enumerate(sizes.items()):
        rng = np.random.default_rng([seed, split_index])
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            image, shapes, descriptions = render_image(image_size, rng)
            name = f"images/{split}/{split}_{index:06d}.png"
            image.save(root / name, format="PNG")
            patient = f"{split}-p{index // 2:05d}"
            lines.append((name, split, patient, SEPARATOR.join(shapes), SEPARATOR.join(descriptions)))
    with (root / LABELS_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(lines)
    return root
