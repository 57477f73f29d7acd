"""Where training metrics go besides the console and `train_log.jsonl`: TensorBoard and Weights & Biases.

Chosen by `run.loggers` in the training config, so a run's logging is part of its recorded config. W&B is
optional: asking for it without the package installed is a config error at start, not a crash mid-run.
"""

from __future__ import annotations

from pathlib import Path

from mgll_data.config_io import JsonObject
from mgll_data.errors import MgllError
from mgll_data.schema import Row

TENSORBOARD_DIR = "tensorboard"


class MetricLoggers:
    """Scalar metrics per optimizer step to every configured sink; `close` flushes them."""

    def __init__(self, kinds: list[str], output_dir: Path, config: JsonObject, wandb_project: str):
        self._tensorboard = None
        self._wandb = None
        if "tensorboard" in kinds:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                raise MgllError(
                    "run.loggers includes tensorboard but the tensorboard package is not installed "
                    "(pip install 'mgll-data[train]')"
                ) from None
            self._tensorboard = SummaryWriter(log_dir=str(output_dir / TENSORBOARD_DIR))
        if "wandb" in kinds:
            try:
                import wandb
            except ImportError:
                raise MgllError("run.loggers includes wandb but wandb is not installed (pip install wandb)") from None
            self._wandb = wandb.init(project=wandb_project, dir=str(output_dir), config=config, resume="allow")

    def log(self, record: Row, step: int) -> None:
        scalars = {k: float(v) for k, v in record.items() if isinstance(v, int | float) and k != "step"}
        if self._tensorboard is not None:
            for name, value in scalars.items():
                self._tensorboard.add_scalar(f"train/{name}", value, step)
        if self._wandb is not None:
            self._wandb.log({f"train/{name}": value for name, value in scalars.items()}, step=step)

    def close(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()
        if self._wandb is not None:
            self._wandb.finish()
