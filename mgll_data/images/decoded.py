"""What a reader hands to the pipeline: display-ready pixels plus the attributes read with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image


@dataclass
class DecodedImage:
    """`image` is mode L or I;16 (grayscale) or RGB, in display polarity (higher = brighter); kept as a
    Pillow image so large 8-bit photos are never copied through numpy. `intensity` names how stored
    values became those intensities."""

    image: Image.Image
    attributes: dict[str, Any] = field(default_factory=dict)
    view: str | None = None
    intensity: str = "as_stored"
