"""Image normalisation: pure functions from a file to stored bytes plus recorded attributes."""

from mgll_data.images.pipeline import ImageRejected, ProcessedImage, process_image
from mgll_data.images.policy import ImagePolicy

__all__ = ["ImagePolicy", "ImageRejected", "ProcessedImage", "process_image"]
