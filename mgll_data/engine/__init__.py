"""The build engine: a recipe and its sources in, a finished dataset folder out (see flow.py for the flow).

The dataset card is the export layer's: `mgll_data.builder` runs the engine and then writes it.
"""

from mgll_data.engine.flow import BuildResult, open_sources, run_build
from mgll_data.engine.progress import BuildProgress

__all__ = ["BuildProgress", "BuildResult", "open_sources", "run_build"]
