"""Checks over a built output folder: contract validation and dataset statistics."""
