"""From an image file to stored bytes plus attributes: the one entry point the build engine calls.

Dispatch is on the file itself (DICOM magic or suffix), never on the source: decode to display pixels,
apply the colour policy, find the fundus field, resize by the geometry policy, encode, hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from mgll_data import storage
from mgll_data.config_io import JsonObject
from mgll_data.images import dedup, fundus, intensity
from mgll_data.images.decoded import DecodedImage
from mgll_data.images.dicom import is_dicom, read_dicom
from mgll_data.images.encode import encode
from mgll_data.images.geometry import Geometry, max_reduction, place, plan_geometry, resize_window
from mgll_data.images.limits import check_decoded_size
from mgll_data.images.policy import ImagePolicy
from mgll_data.images.readers import read_picture
from mgll_data.images.rejects import ImageRejected, RejectReason
from mgll_data.schema import Attributes

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
    attributes: Attributes = field(default_factory=dict)
    geometry: JsonObject = field(default_factory=dict)
    hashes: JsonObject = field(default_factory=dict)
    view: str | None = None
    intensity: str | None = None


def process_image(path: Path, modality: str, policy: ImagePolicy) -> ProcessedImage:
    """Decode, normalise, crop (fundus), resize and encode one image file; raise ImageRejected if it cannot.

    Full-resolution work is kept to what the output needs: a JPEG is decoded at the coarsest DCT scale that
    still covers the stored size (for a fundus photo, guessing the field spans the shorter side and decoding
    again finer in the rare case it is smaller), and DICOM values are windowed after the resize. An image in an
    object store is fetched once into a temporary file, since the decoders read a file several times."""
    if storage.is_remote(path):
        with storage.local_copy(path) as local:
            try:
                return process_image(local, modality, policy)
            except ImageRejected as error:
                raise ImageRejected(error.reason, error.detail.replace(str(local), str(path))) from None
    path = Path(path)
    if not path.is_file():
        reason = RejectReason.NOT_A_REGULAR_FILE if path.exists() else RejectReason.MISSING_FILE
        raise ImageRejected(reason, str(path))
    crop = modality == "fundus" and policy.fundus_crop
    dicom = is_dicom(path)
    check_decoded_size(path, dicom, policy.max_pixels)
    if dicom:
        decoded = read_dicom(path, policy)
    else:
        decoded = read_picture(path, policy, partial(_first_reduction, policy=policy, crop=crop))
    decoded = apply_color_policy(decoded, modality, policy)
    attributes = dict(decoded.attributes)
    found = None
    if modality == "fundus":
        decoded = decoded.displayed()
        found = _field_in_original(decoded)
        if found is None and policy.fundus_require_fov:
            raise ImageRejected(RejectReason.FOV_NOT_FOUND, str(path))
        attributes["fov_found"] = found is not None
        attributes["fov_radius"] = round(found.radius, 2) if found else None
    window = _field_window(found) if found and crop else None
    geometry = plan_geometry(decoded.size, policy, window)
    if decoded.reduction > max_reduction(geometry):  # the field is smaller than guessed: decode finer
        decoded = apply_color_policy(read_picture(path, policy, lambda _: max_reduction(geometry)), modality, policy)
    part, origin = resize_window(decoded.image, geometry, decoded.reduction)
    if decoded.to_display is not None:
        part = decoded.to_display(part)
    stored = place(part, origin, geometry)
    if modality == "fundus":
        mask = _stored_field_mask(stored, found, geometry)
        if mask is not None and policy.fundus_mask:
            stored = _apply_mask(stored, mask)
        gray = intensity.luma8(stored)
        attributes["blur"] = round(fundus.blur_score(gray, mask), 4)
        attributes["exposure"] = round(fundus.exposure_score(gray, mask), 4)
    pixels = np.asarray(stored)
    return ProcessedImage(
        data=encode(stored, policy.format, policy.quality, policy.compress_level, policy.webp_lossless),
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
    return replace(decoded, image=gray, attributes=attributes, intensity=decoded.intensity + "_to_gray")


def _first_reduction(size: tuple[int, int], policy: ImagePolicy, crop: bool) -> int:
    """The decode reduction chosen before the field is found, guessing a fundus crop takes the centred
    shorter-side square (the disc spans the shorter side in most fundus photos)."""
    width, height = size
    side = min(width, height)
    guess = ((width - side) // 2, (height - side) // 2, side, side) if crop else None
    return max_reduction(plan_geometry(size, policy, guess))


def _field_in_original(decoded: DecodedImage) -> fundus.Field | None:
    """The field found on the (possibly reduced) decode, in original pixel coordinates."""
    found = fundus.find_field(decoded.image)
    if found is None or decoded.reduction == 1:
        return found
    if found.fills_frame:
        width, height = decoded.size
        return fundus.Field(width / 2, height / 2, max(width, height) / 2, fills_frame=True)
    r = decoded.reduction
    return fundus.Field(found.cx * r, found.cy * r, found.radius * r)


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
