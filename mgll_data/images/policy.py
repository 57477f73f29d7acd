"""The image policy: how pixels are normalised, resized and encoded. The recipe's `image:` key."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ImagePolicy(BaseModel):
    """Every choice that changes stored pixels; recorded in the manifest so a build can be reproduced."""

    model_config = ConfigDict(extra="forbid")

    size: int | None = Field(512, ge=16, description="target side in pixels; null keeps the original size")
    geometry: Literal["letterbox", "shorter_side", "none"] = "letterbox"
    resample: Literal["lanczos", "bicubic", "bilinear", "area", "nearest"] = "lanczos"
    format: Literal["png", "jpeg", "webp"] = "png"
    quality: int = Field(95, ge=1, le=100, description="JPEG/WebP quality")
    bit_depth: Literal[8, 16] = 8
    dicom_intensity: Literal["dicom_window", "percentile", "minmax"] = "dicom_window"
    percentiles: tuple[float, float] = (0.5, 99.5)
    multiframe: Literal["first_frame", "reject"] = "first_frame"
    cxr_color: Literal["to_gray", "keep"] = "to_gray"
    fundus_crop: bool = True
    fundus_mask: bool = False
    drop_exact_duplicates: bool = False
