"""DICOM to display pixels in the standard's order (PS3.3 C.11): stored values, Modality LUT, VOI,
then presentation polarity, applied exactly once.

Each step is a pure function over (array, dataset) so tests can check it on small constructed files.
Only the elements named in dicom_attributes.yaml leave this module.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi, get_decoder
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from mgll_data.config_io import JsonObject
from mgll_data.data_files import read_data_yaml
from mgll_data.images import intensity
from mgll_data.images.decoded import DecodedImage
from mgll_data.images.limits import check_frame_sizes
from mgll_data.images.policy import ImagePolicy
from mgll_data.images.rejects import ImageRejected, RejectReason
from mgll_data.schema import Attributes

GRAY = ("MONOCHROME1", "MONOCHROME2")
PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
HEADER_TAGS = ("Rows", "Columns", "SOPClassUID")
# PNG, JPEG, TIFF (both byte orders), BMP, GIF, WebP/RIFF: file starts that rule DICOM out.
PICTURE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8", b"RIFF")
NARROW_INTEGERS = (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64)


def is_dicom(path: Path) -> bool:
    """DICOM by content, whatever the name (`IM000001`, `.dicom`, `.dcm`): the Part 10 magic ('DICM' after the
    128-byte preamble), or, for files without it (raw data sets), a header that parses into image elements.
    A picture is never DICOM, even named `.dcm`."""
    with open(path, "rb") as handle:
        head = handle.read(132)
    if head[128:132] == b"DICM":
        return True
    if head.startswith(PICTURE_MAGIC):
        return False
    try:
        ds = pydicom.dcmread(path, force=True, stop_before_pixels=True, specific_tags=list(HEADER_TAGS))
    except (InvalidDicomError, EOFError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return "SOPClassUID" in ds or ("Rows" in ds and "Columns" in ds)


def read_dicom(path: Path, policy: ImagePolicy) -> DecodedImage:
    """Decode one DICOM file into display pixels and allow-listed attributes."""
    ds = read_dataset(path)
    try:
        return _decode(ds, policy, path)
    except (ValueError, TypeError, KeyError) as error:  # an element whose value does not parse, read lazily
        raise ImageRejected(RejectReason.MALFORMED, f"{path}: {type(error).__name__}: {error}") from error


def _decode(ds: Dataset, policy: ImagePolicy, path: Path) -> DecodedImage:
    attributes, view = allowed_attributes(ds)
    stored, photometric = stored_values(ds, policy, path)
    if photometric in GRAY:
        if stored.ndim != 2:
            raise ImageRejected(RejectReason.MALFORMED, f"{path}: {photometric} with shape {stored.shape}")
        values = modality_values(stored, ds)
        to_unit, how = display_mapping(values, ds, policy)
        invert = needs_inversion(ds)
        attributes["bit_depth"] = policy.bit_depth

        def to_display(image: Image.Image) -> Image.Image:
            unit = to_unit(np.asarray(image))
            return intensity.display_image(1.0 - unit if invert else unit, policy.bit_depth)

        image = intensity.values_image(values)
        return DecodedImage(image, attributes, view, how, to_display=to_display)
    pixels = color_values(stored, ds, photometric, path)
    attributes["bit_depth"] = 8
    return DecodedImage(image=Image.fromarray(pixels), attributes=attributes, view=view, intensity="color")


def read_dataset(path: Path) -> Dataset:
    """Parse the file; a missing File Meta header is tolerated (older files), a non-DICOM file is not."""
    try:
        ds = pydicom.dcmread(path, force=True)
    except (InvalidDicomError, EOFError, OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ImageRejected(RejectReason.UNREADABLE, f"{path}: not a readable DICOM file ({error})") from error
    if not any(keyword in ds for keyword in PIXEL_KEYWORDS):
        if len(ds) == 0:
            raise ImageRejected(RejectReason.UNREADABLE, f"{path}: no DICOM elements could be parsed")
        raise ImageRejected(RejectReason.NO_PIXEL_DATA, f"{path}: SOP class {ds.get('SOPClassUID', 'unknown')}")
    if "TransferSyntaxUID" not in ds.file_meta:
        implicit, little = ds.original_encoding
        ds.file_meta.TransferSyntaxUID = (
            ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian if little else ExplicitVRBigEndian
        )
    return ds


@cache
def _allow_list() -> JsonObject:
    return read_data_yaml("mgll_data.images", "dicom_attributes.yaml")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _spacing(value: Any) -> list[float] | None:
    """Row and column spacing in mm; zero or unparsable spacings (seen in the wild) count as absent."""
    try:
        spacing = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    return spacing if len(spacing) == 2 and min(spacing) > 0 else None


def allowed_attributes(ds: Dataset) -> tuple[JsonObject, str | None]:
    """Record attributes and the view, read from the allow-listed elements only."""
    allow = _allow_list()
    attributes: Attributes = {}
    for name, rule in allow["attributes"].items():
        present = [ds.get(keyword) for keyword in rule["keywords"] if ds.get(keyword) not in (None, "")]
        if name == "pixel_spacing":
            spacings = [spacing for spacing in map(_spacing, present) if spacing]
            if spacings:
                attributes[name] = spacings[0]
        elif not present:
            continue
        elif rule["combine"] == "join":
            attributes[name] = _text(" ".join(str(v).strip() for v in present))
        else:
            attributes[name] = _text(present[0])
    views = [_text(ds.get(keyword)) for keyword in allow["view"]]
    view = next((v.upper() for v in views if v), None)
    return attributes, view


def stored_values(ds: Dataset, policy: ImagePolicy, path: Path) -> tuple[np.ndarray, str]:
    """One frame of stored values (Bits Stored masked, sign extended) and its photometric after decoding."""
    frames = int(ds.get("NumberOfFrames") or 1)
    if frames > 1 and policy.multiframe == "reject":
        raise ImageRejected(RejectReason.MULTIFRAME, f"{path}: {frames} frames")
    if "PixelData" in ds:
        if "Rows" not in ds or "Columns" not in ds:
            raise ImageRejected(RejectReason.MALFORMED, f"{path}: Rows or Columns missing")
        if not ds.Rows or not ds.Columns:
            raise ImageRejected(RejectReason.EMPTY_IMAGE, f"{path}: {ds.Rows} rows x {ds.Columns} columns")
        if int(ds.get("BitsAllocated") or 0) > 32:
            raise ImageRejected(RejectReason.UNSUPPORTED_PIXEL_FORMAT, f"{path}: Bits Allocated {ds.BitsAllocated}")
    syntax = ds.file_meta.TransferSyntaxUID
    decoder = _require_decoder(syntax, path)
    check_frame_sizes(ds, path)
    try:
        array, meta = decoder.as_array(ds, index=0 if frames > 1 else None, as_rgb=True)
    except AttributeError as error:
        raise ImageRejected(RejectReason.MALFORMED, f"{path}: {error}") from error
    except Exception as error:  # decoders raise many unrelated types; each becomes a typed reject here
        message = str(error)
        if "less than expected" in message or "truncat" in message.lower() or isinstance(error, EOFError):
            raise ImageRejected(RejectReason.TRUNCATED, f"{path}: {message[:200]}") from error
        raise ImageRejected(RejectReason.DECODE_FAILED, f"{path}: {syntax.name}: {message[:200]}") from error
    photometric = str(meta.get("photometric_interpretation") or ds.get("PhotometricInterpretation") or "").strip()
    if array.ndim == 2 and photometric not in GRAY + ("PALETTE COLOR",):
        photometric = "MONOCHROME2"  # a single-sample image with a missing or wrong photometric is grayscale
    if array.size == 0:
        raise ImageRejected(RejectReason.EMPTY_IMAGE, f"{path}: no pixels")
    return array, photometric


def _require_decoder(syntax: Any, path: Path) -> Any:
    """pydicom's decoder for the transfer syntax; compressed ones need the `dicom` extra's plugins."""
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError as error:
        raise ImageRejected(RejectReason.UNSUPPORTED_TRANSFER_SYNTAX, f"{path}: {syntax.name}") from error
    if not decoder.is_available:
        raise ImageRejected(
            RejectReason.UNSUPPORTED_TRANSFER_SYNTAX,
            f"{path}: {syntax.name} needs a decoder: pip install 'mgll-data[dicom]'",
        )
    return decoder


def modality_values(stored: np.ndarray, ds: Dataset) -> np.ndarray:
    """Modality LUT: the Modality LUT Sequence if present, otherwise Rescale Slope / Intercept.

    Integer slope and intercept (nearly every radiograph: 1 and 0) keep integers, in the narrowest type
    that holds the result exactly; pydicom would widen every pixel to float64."""
    if "ModalityLUTSequence" not in ds and "RescaleSlope" in ds and "RescaleIntercept" in ds:
        slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
        if slope.is_integer() and intercept.is_integer() and stored.dtype.kind in "iu":
            if (slope, intercept) == (1.0, 0.0):
                return stored
            ends = [int(stored.min()) * int(slope) + int(intercept), int(stored.max()) * int(slope) + int(intercept)]
            dtype = next(t for t in NARROW_INTEGERS if np.iinfo(t).min <= min(ends) and max(ends) <= np.iinfo(t).max)
            return (stored.astype(np.int64) * int(slope) + int(intercept)).astype(dtype)
    return apply_modality_lut(stored, ds)


def display_mapping(
    values: np.ndarray, ds: Dataset, policy: ImagePolicy
) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """How modality values become intensities in [0, 1] under the recipe's policy, and its name.

    Data-dependent ranges (percentiles, min/max, a VOI LUT's top) are read from every pixel here, so the
    mapping gives the same result whether it is applied before or after resizing."""
    if policy.dicom_intensity == "percentile":
        return intensity.data_range(values, policy.percentiles), "percentile"
    if policy.dicom_intensity == "minmax":
        return intensity.data_range(values), "minmax"
    window = first_window(ds)
    if window is not None:
        center, width, function = window
        return partial(intensity.WINDOW_FUNCTIONS[function], center=center, width=width), f"window_{function.lower()}"
    if "VOILUTSequence" in ds:
        return partial(voi_lut_values, ds=ds, top=voi_lut_top(values, ds)), "voi_lut"
    return intensity.data_range(values), "minmax_no_window"


def first_window(ds: Dataset) -> tuple[float, float, str] | None:
    """The first Window Center / Width pair and its VOI LUT Function, or None when absent or unusable."""
    if "WindowCenter" not in ds or "WindowWidth" not in ds:
        return None
    try:
        centers, widths = ds.WindowCenter, ds.WindowWidth
        center = float(centers[0] if isinstance(centers, pydicom.multival.MultiValue) else centers)
        width = float(widths[0] if isinstance(widths, pydicom.multival.MultiValue) else widths)
    except (TypeError, ValueError, IndexError):
        return None
    function = str(ds.get("VOILUTFunction") or "LINEAR").strip().upper()
    function = function if function in intensity.WINDOW_FUNCTIONS else "LINEAR"
    if width < (1 if function == "LINEAR" else np.finfo(np.float32).tiny):
        return None
    return center, width, function


def voi_lut_top(values: np.ndarray, ds: Dataset) -> float:
    """The VOI LUT's output range top: 2**bits - 1 from the LUT Descriptor, widened to the largest value
    this image maps to where a writer put more bits in the table than it declared."""
    bits = int(ds.VOILUTSequence[0].LUTDescriptor[2])
    return max(float((1 << bits) - 1), float(apply_voi(values, ds, index=0).max()))


def voi_lut_values(values: np.ndarray, ds: Dataset, top: float) -> np.ndarray:
    """The first VOI LUT Sequence item, its output scaled from [0, top] to [0, 1]."""
    return intensity.scale_range(apply_voi(values, ds, index=0), 0.0, top)


def needs_inversion(ds: Dataset) -> bool:
    """Whether higher P-values need inverting, decided once.

    An explicit Presentation LUT Shape defines the P-values on its own: INVERSE is the single inversion
    that accounts for MONOCHROME1 (PS3.3 C.8.11.1.1: INVERSE "shall be used if" MONOCHROME1), so
    MONOCHROME1 + INVERSE inverts once, MONOCHROME2 + INVERSE inverts, IDENTITY never inverts.
    Without a shape, MONOCHROME1 (minimum = white) is inverted.
    """
    shape = str(ds.get("PresentationLUTShape") or "").strip().upper()
    if shape in ("INVERSE", "IDENTITY"):
        return shape == "INVERSE"
    return str(ds.get("PhotometricInterpretation") or "").strip().upper() == "MONOCHROME1"


def color_values(stored: np.ndarray, ds: Dataset, photometric: str, path: Path) -> np.ndarray:
    """RGB, YBR and PALETTE COLOR to 8-bit RGB."""
    if photometric == "PALETTE COLOR":
        try:
            rgb = apply_color_lut(stored, ds)
        except (AttributeError, ValueError, KeyError) as error:
            raise ImageRejected(RejectReason.MALFORMED, f"{path}: palette: {error}") from error
        return _to_8bit(rgb, 8 if rgb.dtype == np.uint8 else 16)  # the LUT Descriptor's entry size
    if photometric != "RGB":  # YBR_FULL(_422) arrive as RGB: the decoder converts them (as_rgb=True)
        raise ImageRejected(RejectReason.UNSUPPORTED_PHOTOMETRIC, f"{path}: {photometric}")
    if stored.ndim != 3 or stored.shape[-1] != 3:
        raise ImageRejected(RejectReason.MALFORMED, f"{path}: {photometric} with shape {stored.shape}")
    return _to_8bit(stored, int(ds.get("BitsStored") or stored.dtype.itemsize * 8))


def _to_8bit(rgb: np.ndarray, bits: int) -> np.ndarray:
    if bits == 8 and rgb.dtype == np.uint8:
        return rgb
    return intensity.quantise(intensity.scale_range(rgb, 0.0, float((1 << bits) - 1)), 8)
