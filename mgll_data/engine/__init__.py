"""The build engine: a recipe and its sources in, a finished dataset folder out (see flow.py for the flow).

The dataset card is the export layer's: `mgll_data.builder` runs the engine and then writes it. Names are resolved
lazily, as in `mgll_data.images`: `mgll-data plan` imports the planner, never the workers' image and shard code.
"""

from __future__ import annotations

from mgll_data.lazy import lazy_getattr

_EXPORTS = {
    "BuildProgress": ".progress",
    "BuildResult": ".flow",
    "open_sources": ".opening",
    "run_build": ".flow",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
