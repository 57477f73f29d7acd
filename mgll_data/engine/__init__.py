"""The build engine: recipe in, Hub-ready dataset folder out (see flow.py for the flow)."""

from mgll_data.engine.flow import BuildResult, build, build_recipe, open_sources, run_build
from mgll_data.engine.progress import BuildProgress

__all__ = ["BuildProgress", "BuildResult", "build", "build_recipe", "open_sources", "run_build"]
