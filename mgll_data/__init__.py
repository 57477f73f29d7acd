"""mgll-data: multi-granular medical image-text datasets.

The public Python API is imported lazily, so `import mgll_data` (and the CLI's light commands) never load
torch or the Hub client:

- `TorchDataset(folder, split, channels="rgb"|"gray")`: a built folder as a PyTorch Dataset whose items batch
  with the default collate (multi-hot positive / uncertain / negative labels, one text per granularity);
- `label_vocabulary(modality=None)`: the ontology ids in the fixed order of those multi-hot vectors;
- `load_model(path)`: a trained checkpoint (or run folder) as a model plus its image transform and tokenizer.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from mgll_data.lazy import lazy_getattr

try:
    __version__ = version("mgll-data")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_LAZY: dict[str, str] = {
    "TorchDataset": "mgll_data.train.torch_dataset",
    "label_vocabulary": "mgll_data.train.torch_dataset",
    "load_model": "mgll_data.train.model",
}
__all__ = ["__version__", *_LAZY]

__getattr__ = lazy_getattr(__name__, _LAZY)
