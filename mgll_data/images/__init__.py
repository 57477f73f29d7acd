"""Image normalisation: pure functions from a file to stored bytes plus recorded attributes."""

from mgll_data.images.pipeline import ProcessedImage, process_image
from mgll_data.images.policy import ImagePolicy
from mgll_data.images.rejects import ImageRejected, RejectReason

__all__ = ["ImagePolicy", "ImageRejected", "ProcessedImage", "RejectReason", "process_image"]
