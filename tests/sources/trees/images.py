"""Image files for fixture trees: placeholder bytes where only `records()` runs, real JPEGs where a build decodes."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw


def placeholder(path: Path) -> Path:
    """A non-empty file that adapters accept (they never decode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8placeholder")
    return path


def fundus_jpeg(path: Path, size: int = 48) -> Path:
    """A small decodable fundus-like picture: a red-orange disc on black with a pale optic disc."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    draw.ellipse((2, 2, size - 3, size - 3), fill=(170, 70, 30))
    draw.ellipse((size // 2, size // 3, size // 2 + 8, size // 3 + 8), fill=(240, 200, 150))
    image.save(path, format="JPEG" if path.suffix.casefold() in (".jpg", ".jpeg") else None, quality=90)
    return path
