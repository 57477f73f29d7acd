"""Why an image cannot become a row: `ImageRejected` carries a registered reason (`mgll_data.rejects`)."""

from __future__ import annotations

from mgll_data.rejects import RejectReason, check_reason


class ImageRejected(Exception):
    """The file cannot become a row; `reason` is a `RejectReason`, `detail` says which file and why."""

    def __init__(self, reason: RejectReason | str, detail: str = ""):
        self.reason, self.detail = RejectReason(check_reason(reason, "image")), detail
        super().__init__(f"{self.reason}: {detail}" if detail else str(self.reason))


__all__ = ["ImageRejected", "RejectReason"]
