"""The bundled demo data: small trees in the exact public layouts of ODIR-5K and IU X-ray, drawn by code.

`recipes/demo.yaml` names its roots `demo://odir` and `demo://iu_xray`; the build engine resolves them with
`resolve_demo_root`, which generates the tree once (seeded, so every machine gets the same files) into a
cache folder and returns it. The real adapters then read it like a user's download, so the demo exercises
the whole pipeline offline.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from mgll_data.demo.iu_tree import write_iu_tree
from mgll_data.demo.odir_tree import write_odir_tree
from mgll_data.errors import RecipeError

DEMO_VERSION = "1"  # bump when the generated trees change, so old caches are not reused
DEMO_SEED = 5017
GENERATORS: dict[str, Callable[[Path, int], None]] = {"odir": write_odir_tree, "iu_xray": write_iu_tree}


def demo_cache_dir() -> Path:
    """`$MGLL_DATA_CACHE/demo/<version>`, else `~/.cache/mgll-data/demo/<version>`."""
    base = os.environ.get("MGLL_DATA_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "mgll-data") / "demo" / DEMO_VERSION


def resolve_demo_root(name: str) -> Path:
    """The demo tree for source `name` (odir or iu_xray), generated on first use.

    Generation writes into a temporary sibling folder and renames it into place, so concurrent builds
    never see a half-written tree: the first rename wins and the others discard their copy.
    """
    if name not in GENERATORS:
        raise RecipeError(f"unknown demo data demo://{name}; available: {', '.join(f'demo://{n}' for n in GENERATORS)}")
    final = demo_cache_dir() / name
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=final.parent))
    try:
        GENERATORS[name](staging, DEMO_SEED)
        staging.chmod(0o755)
        try:
            staging.rename(final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


__all__ = ["DEMO_SEED", "DEMO_VERSION", "demo_cache_dir", "resolve_demo_root"]
