"""Why an image cannot become a row: one closed set of reason codes, stored in rejects.parquet."""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Every code `ImageRejected.reason` can carry; `stats` groups rejects by these."""

    MISSING_FILE = "missing_file"  # the path does not exist or is not a file
    UNREADABLE = "unreadable"  # neither a DICOM file nor a picture format Pillow knows, or a corrupt one
    TRUNCATED = "truncated"  # the file ends before its pixel data does
    MALFORMED = "malformed"  # a DICOM data set lacking an element the pixel data needs (Rows, Bits Allocated, ...)
    NO_PIXEL_DATA = "no_pixel_data"  # a DICOM object without an image (structured report, DICOMDIR, ...)
    UNSUPPORTED_TRANSFER_SYNTAX = "unsupported_transfer_syntax"  # no installed decoder for the compression
    DECODE_FAILED = "decode_failed"  # a decoder exists but refused this pixel data
    UNSUPPORTED_PIXEL_FORMAT = "unsupported_pixel_format"  # float pixel data, 1-bit overlays, bit depth over 16, ...
    UNSUPPORTED_PHOTOMETRIC = "unsupported_photometric"  # CMYK, ARGB, HSV and other retired colour models
    MULTIFRAME = "multiframe"  # several frames while the policy says `multiframe: reject`
    EMPTY_IMAGE = "empty_image"  # zero rows or columns
    FOV_NOT_FOUND = "fov_not_found"  # no fundus field of view while the policy says `fundus_require_fov: true`
    EXACT_DUPLICATE = "exact_duplicate"  # same pixels as a row kept from another source (detail: the kept id)


class ImageRejected(Exception):
    """The file cannot become a row; `reason` is a `RejectReason`, `detail` says which file and why."""

    def __init__(self, reason: RejectReason | str, detail: str = ""):
        self.reason, self.detail = RejectReason(reason), detail
        super().__init__(f"{self.reason}: {detail}" if detail else str(self.reason))
