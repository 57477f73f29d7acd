"""The build engine: recipe in, Hub-ready dataset folder out (see engine.py for the flow)."""

from mgll_data.build.engine import BuildResult, build, build_recipe, open_sources, run_build
from mgll_data.build.progress import BuildProgress

__all__ = ["BuildProgress", "BuildResult", "build", "build_recipe", "open_sources", "run_build"]
