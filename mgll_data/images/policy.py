"""The image policy: how pixels are normalised, resized and encoded. The recipe's `image:` key."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ImagePolicy(BaseModel):
    """Every choice that changes stored pixels; recorded in the manifest so a build can be reproduced."""

    model_config = ConfigDict(extra="forbid")

    size: int | None = Field(512, ge=16, description="target side in pixels; null keeps the original size")
    geometry: Literal["letterbox", "shorter_side", "none"] = "letterbox"
    resample: Literal["lanczos", "bicubic", "bilinear", "area", "nearest"] = "lanczos"
    format: Literal["png", "jpeg", "webp"] = "png"
    quality: int = Field(95, ge=1, le=100, description="JPEG/WebP quality (lossy only)")
    compress_level: int = Field(
        1,
        ge=0,
        le=9,
        description="PNG deflate level (zlib's scale, 1-2 by ISA-L where installed) / lossless WebP effort: "
        "0 fastest .. 9 smallest; pixels identical",
    )
    webp_lossless: bool = Field(False, description="format webp: store pixels exactly (8-bit RGB; gray as RGB)")
    bit_depth: Literal[8, 16] = Field(8, description="grayscale output depth; colour images are always 8 bit")
    dicom_intensity: Literal["dicom_window", "percentile", "minmax"] = Field(
        "dicom_window", description="how DICOM and >8-bit grayscale values become display intensities"
    )
    percentiles: tuple[float, float] = (0.5, 99.5)
    multiframe: Literal["first_frame", "reject"] = "first_frame"
    cxr_color: Literal["to_gray", "keep"] = "to_gray"
    fundus_crop: bool = True
    fundus_mask: bool = False
    fundus_require_fov: bool = Field(False, description="reject a fundus image whose field of view is not found")
    drop_exact_duplicates: bool = False
    max_pixels: int = Field(
        40_000_000,
        ge=1,
        description="largest decoded size (width x height x frames, read from the header) an image may have; "
        "bigger files are rejected before decoding. The default admits a 2-frame 4000 x 4000 image",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ImagePolicy:
        low, high = self.percentiles
        if not 0 <= low < high <= 100:
            raise ValueError(f"percentiles must satisfy 0 <= low < high <= 100, got {self.percentiles}")
        if self.bit_depth == 16 and self.format != "png":
            raise ValueError(f"bit_depth 16 needs format png ({self.format} stores 8 bits only)")
        if self.webp_lossless and self.format != "webp":
            raise ValueError(f"webp_lossless needs format webp, got format {self.format}")
        return self
