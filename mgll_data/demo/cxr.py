"""Procedural chest-X-ray-like images for the demo: 8-bit grayscale, dark lungs, bright mediastinum, heart,
ribs and diaphragm, with findings drawn by name (enlarged heart, effusion, opacity, pneumothorax, ...).

Image left is the patient's right, as on a real PA film.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

FINDINGS = (
    "cardiomegaly",
    "effusion_left",
    "effusion_right",
    "opacity_right_lower",
    "opacity_left_lower",
    "opacity_right_upper",
    "atelectasis_left",
    "atelectasis_right",
    "pneumothorax_left",
    "pneumothorax_right",
    "nodule_left_upper",
    "edema",
    "hyperinflation",
)
FRONTAL_VIEWS = ("PA", "AP")


def _blurred(layer: Image.Image, radius: float) -> np.ndarray:
    return np.asarray(layer.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255.0


def _frontal(findings: list[str], size: int, rng: np.random.Generator) -> np.ndarray:
    s = size / 512
    body = Image.new("L", (size, size), 0)
    ImageDraw.Draw(body).ellipse((40 * s, 20 * s, 472 * s, 560 * s), fill=255)
    pixels = 0.12 + 0.45 * _blurred(body, 12 * s)

    tall = 1.1 if "hyperinflation" in findings else 1.0
    lungs = Image.new("L", (size, size), 0)
    lung_draw = ImageDraw.Draw(lungs)
    right_lung = (95 * s, 70 * s, 245 * s, (70 + 330 * tall) * s)  # patient's right = image left
    left_lung = (267 * s, 70 * s, 417 * s, (70 + 320 * tall) * s)
    lung_draw.ellipse(right_lung, fill=255)
    lung_draw.ellipse(left_lung, fill=255)
    lung_mask = _blurred(lungs, 6 * s)
    pixels = pixels * (1 - 0.62 * lung_mask)

    markings = Image.new("L", (size, size), 0)
    mark_draw = ImageDraw.Draw(markings)
    for hilum_x, direction in ((225 * s, -1), (287 * s, 1)):
        for _ in range(18):
            angle = rng.uniform(-1.2, 1.2) + (np.pi if direction < 0 else 0)
            length = rng.uniform(50, 140) * s
            end = (hilum_x + np.cos(angle) * length, 220 * s + np.sin(angle) * length)
            mark_draw.line([(hilum_x, 220 * s), end], fill=70, width=max(1, int(2 * s)))
    for rib in range(9):
        y = (95 + rib * 33) * s
        for x0, x1 in ((90 * s, 250 * s), (262 * s, 422 * s)):
            mark_draw.arc((x0, y - 25 * s, x1, y + 45 * s), 190, 350, fill=95, width=max(2, int(5 * s)))
    pixels = pixels + 0.35 * _blurred(markings, 1.5 * s) * lung_mask

    dense = Image.new("L", (size, size), 0)
    dense_draw = ImageDraw.Draw(dense)
    dense_draw.rectangle((238 * s, 25 * s, 274 * s, size), fill=200)  # spine and mediastinum
    heart_w = 190 if "cardiomegaly" in findings else 130
    dense_draw.ellipse(((262 - heart_w * 0.42) * s, 250 * s, (262 + heart_w * 0.58) * s, 420 * s), fill=230)
    dense_draw.ellipse((60 * s, (395 + 30 * (tall - 1) * 10) * s, 255 * s, 560 * s), fill=235)  # right hemidiaphragm
    dense_draw.ellipse((257 * s, (405 + 30 * (tall - 1) * 10) * s, 452 * s, 560 * s), fill=235)
    for x0, x1 in ((110 * s, 250 * s), (262 * s, 402 * s)):
        dense_draw.line([(x0, 75 * s), (x1, 85 * s)], fill=180, width=max(3, int(8 * s)))  # clavicles

    for side, box in (("right", right_lung), ("left", left_lung)):
        x0, y0, x1, y1 = box
        if f"effusion_{side}" in findings:
            level = y1 - (y1 - y0) * rng.uniform(0.1, 0.16)
            dense_draw.ellipse((x0 - 10 * s, level, x1 + 10 * s, y1 + 60 * s), fill=215)
        if f"opacity_{side}_lower" in findings:
            dense_draw.ellipse(_box(((x0 + x1) / 2, y1 - 90 * s), 42 * s), fill=170)
        if f"opacity_{side}_upper" in findings:
            dense_draw.ellipse(_box(((x0 + x1) / 2, y0 + 80 * s), 40 * s), fill=175)
        if f"atelectasis_{side}" in findings:
            y = y1 - 70 * s
            dense_draw.line([(x0 + 25 * s, y), (x1 - 25 * s, y - 12 * s)], fill=190, width=max(3, int(9 * s)))
        if f"nodule_{side}_upper" in findings:
            dense_draw.ellipse(_box(((x0 + x1) / 2 + 15 * s, y0 + 95 * s), 11 * s), fill=210)
    if "edema" in findings:
        for _ in range(60):
            x = rng.uniform(110, 400) * s
            y = rng.uniform(150, 330) * s
            dense_draw.line([(x, y), (x + rng.normal(0, 10) * s, y + rng.normal(0, 10) * s)], fill=120, width=2)
    pixels = np.maximum(pixels, _blurred(dense, 7 * s) * 0.95)

    for side, box in (("right", right_lung), ("left", left_lung)):
        if f"pneumothorax_{side}" not in findings:
            continue
        x0, y0, x1, y1 = box
        rim = Image.new("L", (size, size), 0)
        rim_draw = ImageDraw.Draw(rim)
        outer = x0 if side == "right" else x1
        inner = outer + (1 if side == "right" else -1) * (x1 - x0) * 0.3
        rim_draw.rectangle((min(outer, inner), y0 + 15 * s, max(outer, inner), y0 + (y1 - y0) * 0.6), fill=255)
        air = _blurred(rim, 4 * s) * lung_mask
        pixels = pixels * (1 - 0.8 * air) + 0.03 * air
        line = Image.new("L", (size, size), 0)
        ImageDraw.Draw(line).line([(inner, y0 + 15 * s), (inner, y0 + (y1 - y0) * 0.6)], fill=160, width=2)
        pixels = np.maximum(pixels, _blurred(line, 0.8 * s))
    return pixels


def _lateral(findings: list[str], size: int, rng: np.random.Generator) -> np.ndarray:
    s = size / 512
    layer = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(layer)
    draw.ellipse((70 * s, 30 * s, 450 * s, 560 * s), fill=140)  # chest
    draw.ellipse((120 * s, 80 * s, 400 * s, 420 * s), fill=45)  # lungs
    heart = 150 if "cardiomegaly" in findings else 115
    draw.ellipse((110 * s, 230 * s, (110 + heart * 1.3) * s, 430 * s), fill=210)
    draw.rectangle((370 * s, 40 * s, 420 * s, size), fill=215)  # spine
    draw.ellipse((90 * s, 400 * s, 440 * s, 560 * s), fill=225)  # diaphragm
    if "effusion_left" in findings or "effusion_right" in findings:
        draw.ellipse((300 * s, 360 * s, 440 * s, 480 * s), fill=200)  # posterior sulcus blunting
    if any(f.startswith("opacity") for f in findings):
        draw.ellipse(_box((250 * s, 300 * s), 40 * s), fill=165)
    pixels = _blurred(layer, 8 * s)
    noise = rng.normal(0, 0.015, pixels.shape)
    return pixels + noise


def draw_cxr(findings: list[str], view: str, seed: int, size: int = 512) -> Image.Image:
    """An 8-bit grayscale CXR-like image in `view` (PA, AP or LATERAL) showing `findings` (names from `FINDINGS`)."""
    unknown = set(findings) - set(FINDINGS)
    if unknown:
        raise ValueError(f"unknown demo findings {sorted(unknown)}; known: {FINDINGS}")
    rng = np.random.default_rng(seed)
    pixels = _frontal(findings, size, rng) if view in FRONTAL_VIEWS else _lateral(findings, size, rng)
    pixels = pixels + rng.normal(0, 0.012, pixels.shape)
    return Image.fromarray((np.clip(pixels, 0, 1) * 255).round().astype(np.uint8), mode="L")


def _box(point: tuple[float, float], r: float) -> tuple[float, float, float, float]:
    return (point[0] - r, point[1] - r, point[0] + r, point[1] + r)
