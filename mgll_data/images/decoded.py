"""What a reader hands to the pipeline: pixels plus the attributes read with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from mgll_data.schema import Attributes


@dataclass
class DecodedImage:
    """`image` is mode L or I;16 (grayscale) or RGB, in display polarity (higher = brighter); kept as a
    Pillow image so large 8-bit photos are never copied through numpy. `intensity` names how stored
    values became those intensities.

    Two shortcuts keep full-resolution work to a minimum: `reduction` > 1 means a JPEG was decoded at
    1/reduction of its `full_size` (original pixel x is image pixel x / reduction); `to_display`, when
    set, means `image` still holds modality values (mode I;16, I or F) and maps them to display pixels,
    so the pipeline resizes the values once in integer space and windows only the stored-size result."""

    image: Image.Image
    attributes: Attributes = field(default_factory=dict)
    view: str | None = None
    intensity: str = "as_stored"
    reduction: int = 1
    full_size: tuple[int, int] | None = None
    to_display: Callable[[Image.Image], Image.Image] | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the original image, whatever the decode's reduction."""
        return self.full_size or self.image.size

    def displayed(self) -> DecodedImage:
        """The same image with `to_display` applied at full resolution (for analyses that need display pixels)."""
        if self.to_display is None:
            return self
        return DecodedImage(self.to_display(self.image), self.attributes, self.view, self.intensity, self.reduction,
                            self.full_size)
