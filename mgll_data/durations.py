"""Durations as people read them in log lines (the build's progress and the trainer's log share the form)."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """H:MM:SS, the form of rich's elapsed column, for plain log lines."""
    seconds = max(int(round(seconds)), 0)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
