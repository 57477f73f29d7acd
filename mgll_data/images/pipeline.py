"""From an image file to stored bytes plus attributes: the one entry point the build engine calls.

Dispatch is on the file itself (DICOM magic or suffix), never on the source: decode to display pixels,
apply the colour policy, find the fundus field, resize by the geometry policy, encode, hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mgll_data.images import dedup, fundus, intensity
from mgll_data.images.decoded import DecodedImage
from mgll_data.images.dicom import is_dicom, read_dicom
from mgll_data.images.encode import encode
from mgll_data.images.geometry import Geometry, plan_geometry, render
from mgll_data.images.limits import check_decoded_size
from mgll_data.images.policy import ImagePolicy
from mgll_data.images.readers import read_picture
from mgll_data.images.rejects import ImageRejected, RejectReason

__all__ = ["ImageRejected", "ProcessedImage", "RejectReason", "process_image"]


@dataclass
class ProcessedImage:
    """An encoded image and what the record stores about it (keys follow the record schema).

    `view` is the DICOM View Position, for the build engine to use where the source gives none;
    `intensity` says how stored values became intensities (`window_linear`, `voi_lut`,
    `minmax_no_window`, `percentile`, `minmax`, `as_stored`, `color`), for the manifest and stats."""

    data: bytes
    format: str
    width: int
    height: int
    attributes: dict[str, Any] = field(default_factory=dict)
    geometry: dict[str, Any] = field(default_factory=dict)
    hashes: dict[str, Any] = field(default_factory=dict)
    view: str | None = None
    intensity: str | None = None


def process_image(path: Path, modality: str, policy: ImagePolicy) -> ProcessedImage:
    """Decode, normalise, crop (fundus), resize and encode one image file; raise ImageRejected if it cannot."""
    path = Path(path)
    if not path.is_file():
        reason = RejectReason.NOT_A_REGULAR_FILE if path.exists() else RejectReason.MISSING_FILE
        raise ImageRejected(reason, str(path))
    dicom = is_dicom(path)
    check_decoded_size(path, dicom, policy.max_pixels)
    decoded = read_dicom(path, policy) if dicom else read_picture(path, policy)
    decoded = apply_color_policy(decoded, modality, policy)
    image = decoded.image
    attributes = dict(decoded.attributes)
    found = None
    if modality == "fundus":
        found = fundus.find_field(image)
        if found is None and policy.fundus_require_fov:
            raise ImageRejected(RejectReason.FOV_NOT_FOUND, str(path))
        attributes["fov_found"] = found is not None
        attributes["fov_radius"] = round(found.radius, 2) if found else None
    window = _field_window(found) if found and policy.fundus_crop else None
    geometry = plan_geometry(image.size, policy, window)
    stored = render(image, geometry)
    if modality == "fundus":
        mask = _stored_field_mask(stored, found, geometry)
        if mask is not None and policy.fundus_mask:
            stored = _apply_mask(stored, mask)
        gray = intensity.luma8(stored)
        attributes["blur"] = round(fundus.blur_score(gray, mask), 4)
        attributes["exposure"] = round(fundus.exposure_score(gray, mask), 4)
    pixels = np.asarray(stored)
    return ProcessedImage(
        data=encode(stored, policy.format, policy.quality),
        format=policy.format,
        width=stored.width,
        height=stored.height,
        attributes=attributes,
        geometry=geometry.record(),
        hashes={"pixel_sha256": dedup.pixel_sha256(pixels), "phash": dedup.phash(stored)},
        view=decoded.view,
        intensity=decoded.intensity,
    )


def apply_color_policy(decoded: DecodedImage, modality: str, policy: ImagePolicy) -> DecodedImage:
    """An RGB chest X-ray becomes grayscale (ITU-R 601 luma) unless `cxr_color: keep`."""
    if modality != "cxr" or policy.cxr_color == "keep" or decoded.image.mode != "RGB":
        return decoded
    gray = decoded.image.convert("L")
    if policy.bit_depth == 16:
        gray = Image.fromarray(intensity.widen_8_to_16(np.asarray(gray)))
    attributes = {**decoded.attributes, "bit_depth": policy.bit_depth}
    return DecodedImage(gray, attributes, decoded.view, decoded.intensity + "_to_gray")


def _field_window(found: fundus.Field) -> tuple[int, int, int, int]:
    """The square around the field: the crop to the disc, padded to a square where the frame cuts it."""
    side = max(1, round(2 * found.radius))
    return round(found.cx - side / 2), round(found.cy - side / 2), side, side


def _stored_field_mask(stored: Image.Image, found: fundus.Field | None, geometry: Geometry) -> np.ndarray | None:
    if found is None or found.fills_frame:
        return None
    cx = (found.cx - geometry.crop_x) * geometry.scale + geometry.pad_left
    cy = (found.cy - geometry.crop_y) * geometry.scale + geometry.pad_top
    return fundus.field_mask((stored.height, stored.width), cx, cy, found.radius * geometry.scale)


def _apply_mask(stored: Image.Image, mask: np.ndarray) -> Image.Image:
    pixels = np.array(stored)
    pixels[~mask] = 0
    return Image.fromarray(pixels)
