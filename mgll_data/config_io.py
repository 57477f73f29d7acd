"""Loading YAML configuration (recipes, training and eval configs) into pydantic models.

One loader for every config so that all of them fail the same way: a `RecipeError` naming the file,
the dotted key, what was given and what is allowed, never a pydantic traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from mgll_data.errors import RecipeError

ModelT = TypeVar("ModelT", bound=BaseModel)


def _describe(error: dict[str, Any]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    given = error.get("input")
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"{key}: unknown key"
    if kind == "missing":
        return f"{key}: required key is missing"
    if kind == "literal_error":
        return f"{key}: got {given!r}, allowed values: {ctx.get('expected', '')}"
    if kind == "enum":
        return f"{key}: got {given!r}, allowed values: {ctx.get('expected', '')}"
    return f"{key}: got {given!r}: {error['msg']}"


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys a model accepts at the parent of `loc`, for 'unknown key' messages."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ()) or (annotation,)
        current = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}))


def did_you_mean(given: str, allowed: list[str]) -> str:
    """'; did you mean X?' for the closest allowed spelling, or nothing when none is close."""
    close = difflib.get_close_matches(given, allowed, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _literal_values(error: dict[str, Any]) -> list[str]:
    """The allowed values pydantic lists in a literal/enum error's context ("'a', 'b' or 'c'")."""
    return re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))


def parse_config(data: Any, model: type[ModelT], origin: str) -> ModelT:
    """Validate already-loaded YAML data; `origin` (a file name) prefixes every message."""
    if not isinstance(data, dict):
        raise RecipeError(f"{origin}: expected a YAML mapping at the top level, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        lines = []
        for error in exc.errors():
            line = _describe(error)
            if error["type"] == "extra_forbidden":
                allowed = _allowed_keys(model, tuple(error["loc"]))
                if allowed:
                    line += f" (allowed keys: {', '.join(allowed)})" + did_you_mean(str(error["loc"][-1]), allowed)
            elif error["type"] in ("literal_error", "enum") and isinstance(error.get("input"), str):
                line += did_you_mean(error["input"], _literal_values(error))
            lines.append(f"  - {line}")
        raise RecipeError(f"{origin} is not valid:\n" + "\n".join(lines)) from None


def apply_overrides(data: Any, overrides: Sequence[str], origin: str) -> Any:
    """`KEY.PATH=VALUE` strings (the CLI's --set) applied to loaded YAML data before validation.

    VALUE is read as YAML, so `3`, `1e-4`, `true`, `null` and `[a, b]` get their types; a key the config
    does not have is left for validation to name (with its allowed keys), like the same mistake in the file."""
    if not overrides or not isinstance(data, dict):
        return data  # a file that is not a mapping is reported by parse_config
    data = dict(data)
    for override in overrides:
        key, sep, text = override.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(parts):
            raise RecipeError(f"--set {override!r}: expected KEY.PATH=VALUE, e.g. optim.max_steps=100")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RecipeError(f"--set {override!r}: the value is not valid YAML ({exc})") from None
        node = data
        for depth, part in enumerate(parts[:-1], start=1):
            child = node.get(part)
            if child is not None and not isinstance(child, dict):
                where = ".".join(parts[:depth])
                raise RecipeError(f"--set {override!r}: in {origin}, {where} is a value, not a section with keys")
            node[part] = node = dict(child or {})
        node[parts[-1]] = value
    return data


def load_config(path: Path | str, model: type[ModelT], overrides: Sequence[str] = ()) -> ModelT:
    """Read a YAML file, apply --set `overrides` (see `apply_overrides`) and validate it against `model`."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path}: file not found (expected a YAML {model.__name__})")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 YAML") from None
    except OSError as exc:
        raise RecipeError(f"{path}: cannot be read ({exc.strerror}); expected a readable YAML file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path}: not valid YAML: {exc}") from None
    origin = str(path) + (" with --set " + " ".join(overrides) if overrides else "")
    return parse_config(apply_overrides(data, overrides, str(path)), model, origin)
