"""Procedural fundus-like photographs for the demo: a red-orange field of view on black, optic disc, macula,
vessel arcades, and lesions drawn by name.

The images only need to look like fundus photos to the pipeline (dark border, circular field, colour),
and to show the named lesions to a human reading the demo, so the drawing is simple and fast.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

LESIONS = (
    "microaneurysms",
    "haemorrhages",
    "exudates",
    "cotton_wool",
    "neovessels",
    "laser_scars",
    "cupping",
    "haze",
    "drusen",
    "macular_haemorrhage",
    "narrow_arteries",
    "tessellation",
    "atrophy",
    "membrane",
    "myelinated",
    "dust",
)


@cache
def _geometry(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Radial illumination falloff and field-of-view mask, shared by every image of one size."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    distance = np.hypot(xx - size / 2, yy - size / 2) / (size * 0.46)
    return np.clip(1.0 - 0.45 * distance**2, 0, 1), distance <= 1.0


def _background(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The illuminated retina (float RGB in 0..1) and the field-of-view mask."""
    falloff, mask = _geometry(size)
    tint = rng.uniform(-0.05, 0.05, 3).astype(np.float32)
    coarse = Image.fromarray((rng.random((size // 16, size // 16)) * 255).astype(np.uint8))
    noise = np.asarray(coarse.resize((size, size), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0
    base = np.empty((size, size, 3), dtype=np.float32)
    base[..., 0] = (0.82 + tint[0]) * falloff + 0.06 * noise
    base[..., 1] = (0.36 + tint[1]) * falloff + 0.04 * noise
    base[..., 2] = (0.12 + tint[2]) * falloff
    return np.clip(base, 0, 1) * mask[..., None], mask


def _arcade(start: tuple[float, float], angle: float, bend: float, length: float, rng: np.random.Generator):
    points, (x, y) = [start], start
    for _ in range(24):
        angle += bend + rng.normal(0, 0.05)
        x, y = x + math.cos(angle) * length / 24, y + math.sin(angle) * length / 24
        points.append((x, y))
    return points


def draw_fundus(lesions: list[str], laterality: str, seed: int, size: int = 512) -> Image.Image:
    """An RGB fundus-like image of the `L` or `R` eye showing `lesions` (names from `LESIONS`)."""
    unknown = set(lesions) - set(LESIONS)
    if unknown:
        raise ValueError(f"unknown demo lesions {sorted(unknown)}; known: {LESIONS}")
    rng = np.random.default_rng(seed)
    base, mask = _background(size, rng)
    image = Image.fromarray((base * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    centre, radius = size / 2, size * 0.46
    side = 1 if laterality == "R" else -1  # the disc sits nasally: right of centre for a right eye
    disc = (centre + side * radius * 0.42, centre + rng.normal(0, size * 0.01))
    macula = (centre - side * radius * 0.05, centre + size * 0.01)
    disc_r = radius * (0.10 if "cupping" not in lesions else 0.115)
    scale = size / 512

    if "tessellation" in lesions:
        for _ in range(260):
            x, y = rng.uniform(centre - radius, centre + radius, 2)
            draw.line(
                [(x, y), (x + rng.normal(0, 12) * scale, y + rng.normal(0, 12) * scale)],
                fill=(150, 60, 30),
                width=max(1, int(3 * scale)),
            )
    draw.ellipse(_box(macula, radius * 0.16), fill=(175, 62, 24))
    draw.ellipse(_box(macula, radius * 0.06), fill=(150, 48, 18))

    artery = (190, 45, 30) if "narrow_arteries" not in lesions else (205, 70, 45)
    artery_w = 4 if "narrow_arteries" not in lesions else 2
    for vertical in (-1, 1):
        for colour, width, offset in ((artery, artery_w, 0.0), ((120, 20, 18), 5, 0.12)):
            angle, bend = (math.pi + vertical * (0.9 + offset), -vertical * 0.055)
            if side == -1:  # mirror the right-eye arcade
                angle, bend = -vertical * (0.9 + offset), vertical * 0.055
            points = _arcade(disc, angle, bend, radius * 1.3, rng)
            draw.line(points, fill=colour, width=max(1, int(width * scale)), joint="curve")
            for branch in points[6::6]:
                twig = _arcade(branch, rng.uniform(0, 2 * math.pi), rng.normal(0, 0.05), radius * 0.35, rng)
                draw.line(twig, fill=colour, width=max(1, int((width - 2) * scale)))
    if "neovessels" in lesions:
        for _ in range(3):
            hub = (disc[0] + rng.normal(0, 10) * scale, disc[1] + rng.normal(0, 10) * scale)
            for _ in range(8):
                draw.line(
                    _arcade(hub, rng.uniform(0, 2 * math.pi), rng.normal(0, 0.4), radius * 0.15, rng),
                    fill=(170, 30, 30),
                    width=1,
                )

    if "atrophy" in lesions:
        draw.ellipse(_box(disc, disc_r * 1.8), fill=(235, 190, 150))
    if "myelinated" in lesions:
        for _ in range(40):
            angle = rng.uniform(0, 2 * math.pi)
            start = (disc[0] + math.cos(angle) * disc_r, disc[1] + math.sin(angle) * disc_r)
            end = (start[0] + math.cos(angle) * disc_r * 1.5, start[1] + math.sin(angle) * disc_r * 1.5)
            draw.line([start, end], fill=(245, 235, 220), width=max(2, int(5 * scale)))
    draw.ellipse(_box(disc, disc_r), fill=(250, 200, 130))
    cup = 0.8 if "cupping" in lesions else 0.35
    draw.ellipse(_box(disc, disc_r * cup), fill=(255, 238, 205) if cup > 0.5 else (252, 222, 170))

    def spots(count: int, spread: float, radius_px: tuple[float, float], colour: tuple[int, int, int], near=macula):
        for _ in range(count):
            x, y = near[0] + rng.normal(0, spread), near[1] + rng.normal(0, spread)
            if math.hypot(x - centre, y - centre) < radius * 0.92:
                draw.ellipse(_box((x, y), rng.uniform(*radius_px) * scale), fill=colour)

    if "microaneurysms" in lesions:
        spots(int(rng.integers(8, 16)), radius * 0.35, (1.5, 2.5), (140, 10, 10))
    if "haemorrhages" in lesions:
        spots(int(rng.integers(8, 18)), radius * 0.45, (4, 9), (120, 15, 12))
    if "macular_haemorrhage" in lesions:
        spots(3, radius * 0.04, (14, 22), (110, 15, 10))
    if "exudates" in lesions:
        spots(int(rng.integers(10, 20)), radius * 0.25, (2, 5), (245, 225, 110))
    if "drusen" in lesions:
        spots(int(rng.integers(20, 35)), radius * 0.14, (2, 4.5), (235, 205, 120))
    if "cotton_wool" in lesions:
        spots(int(rng.integers(3, 6)), radius * 0.3, (6, 11), (240, 225, 210), near=disc)
    if "laser_scars" in lesions:
        for _ in range(30):
            angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0.55, 0.85) * radius
            point = (centre + math.cos(angle) * dist, centre + math.sin(angle) * dist)
            draw.ellipse(_box(point, 5 * scale), fill=(90, 50, 25), outline=(230, 190, 130))
    if "membrane" in lesions:
        for _ in range(6):
            draw.arc(
                _box(macula, radius * rng.uniform(0.12, 0.3)),
                rng.uniform(0, 180),
                rng.uniform(180, 360),
                fill=(235, 150, 110),
                width=max(1, int(2 * scale)),
            )

    image = image.filter(ImageFilter.GaussianBlur(1.1 * scale))
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    if "haze" in lesions:
        blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(9 * scale)), dtype=np.float32) / 255.0
        pixels = 0.35 * pixels + 0.45 * blurred + 0.2 * np.array([0.85, 0.7, 0.55], dtype=np.float32)
    if "dust" in lesions:
        dust = Image.new("L", (size, size), 0)
        dust_draw = ImageDraw.Draw(dust)
        for _ in range(int(rng.integers(4, 8))):
            point = tuple(rng.uniform(centre - radius * 0.7, centre + radius * 0.7, 2))
            dust_draw.ellipse(_box(point, rng.uniform(5, 12) * scale), fill=110)
        shade = np.asarray(dust.filter(ImageFilter.GaussianBlur(4 * scale)), dtype=np.float32)[..., None] / 255.0
        pixels = pixels * (1 - shade)
    pixels = pixels + 0.012 * rng.standard_normal(pixels.shape, dtype=np.float32)
    pixels = np.clip(pixels, 0, 1) * mask[..., None]
    return Image.fromarray((pixels * 255).round().astype(np.uint8), mode="RGB")


def _box(point: tuple[float, float], r: float) -> tuple[float, float, float, float]:
    return (point[0] - r, point[1] - r, point[0] + r, point[1] + r)
