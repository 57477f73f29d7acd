"""Standalone `transformers` remote code for exported MGLL models (`mgll-data export-model --format hf`).

These modules are copied next to the exported weights and loaded with `trust_remote_code=True`, so they
import only torch, timm and transformers: never mgll_data.
"""
