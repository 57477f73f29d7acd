"""Loading YAML configuration (recipes, training and eval configs) into pydantic models.

One loader for every config so that all of them fail the same way: a `RecipeError` naming the file,
the dotted key, what was given and what is allowed, never a pydantic traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from mgll_data.errors import RecipeError

JsonObject: TypeAlias = dict[str, Any]
"""A parsed JSON or YAML mapping, before a model (or a reader's checks) gives its keys a meaning."""

ModelT = TypeVar("ModelT", bound=BaseModel)

# Bounds on what a config may make the loader build: an anchor/alias "billion laughs" expands exponentially,
# and a 5,000-digit integer trips Python's int conversion limit; real configs are far below both.
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 100_000
MAX_INTEGER_DIGITS = 19


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, oversized integers and alias expansions past the bounds above."""

    def compose_document(self) -> yaml.Node | None:
        self._aliases = 0
        node = super().compose_document()
        if node is not None and _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"anchors and aliases expand past {MAX_EXPANDED_NODES:,} nodes", node.start_mark
            )
        return node

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases", mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:  # the mapping's own keys, before `<<` merges bring in overridable ones
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if (key_node.tag, key_node.value) in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"key {key_node.value!r} is given twice",
                    key_node.start_mark,
                )
            seen.add((key_node.tag, key_node.value))
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INTEGER_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of {digits} digits (at most {MAX_INTEGER_DIGITS})", node.start_mark
            )
        return super().construct_yaml_int(node)


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_yaml_map)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes the document has once every alias is expanded (shared subtrees counted each time they are used)."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = 1  # a recursive alias counts once instead of looping
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    total = 1
    for child in children:
        total += _expanded_size(child, sizes)
        if total > MAX_EXPANDED_NODES:
            break
    sizes[id(node)] = total
    return total


def load_yaml(text: str) -> Any:
    """Parse config YAML with the bounds of `StrictLoader` (raises yaml.YAMLError)."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader


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
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path}: not valid YAML: {exc}") from None
    origin = str(path) + (" with --set " + " ".join(overrides) if overrides else "")
    return parse_config(apply_overrides(data, overrides, str(path)), model, origin)
