"""YAML that remembers where each value came from, so a validation error can say ``file:line``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import CatalogError

try:  # The C composer is ~10x faster; the pure-Python one gives the same nodes.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class LineDict(dict[str, Any]):
    """A mapping with the 1-based line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence with the 1-based line of itself and of each item."""

    line: int
    item_lines: list[int]


def load_yaml_with_lines(path: Path) -> Any:
    """Load one YAML document from ``path``, keeping line numbers on mappings and sequences.

    Raises:
        CatalogError: ``file:line: problem`` for unreadable files, syntax errors and duplicate keys.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}:1: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise CatalogError(f"{path}:1: cannot read: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise CatalogError(yaml_error_message(path, exc)) from None
    if node is None:
        raise CatalogError(f"{path}:1: the file is empty")
    return _convert(node, path, yaml.constructor.SafeConstructor())


def yaml_error_message(path: Path, exc: yaml.YAMLError) -> str:
    """``file:line: invalid YAML: problem`` in one line, naming where the broken construct began when that differs
    (an unclosed ``[`` is noticed on a later line than the one that holds it)."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"{path}:1: invalid YAML: {' '.join(str(exc).split())}"
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = " ".join((exc.problem or exc.context or "invalid YAML").split())
    message = f"{path}:{line}: invalid YAML: {problem}"
    if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
        message += f" ({' '.join(exc.context.split())} that starts on line {exc.context_mark.line + 1})"
    return message


def _convert(node: yaml.Node, path: Path, constructor: yaml.constructor.SafeConstructor) -> Any:
    if isinstance(node, yaml.MappingNode):
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path, constructor)
            if not isinstance(key, str):
                raise CatalogError(f"{path}:{key_node.start_mark.line + 1}: keys must be text, not {key!r}")
            if key in mapping:
                raise CatalogError(f"{path}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
            mapping[key] = _convert(value_node, path, constructor)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LineList()
        items.line = node.start_mark.line + 1
        items.item_lines = []
        for item in node.value:
            items.append(_convert(item, path, constructor))
            items.item_lines.append(item.start_mark.line + 1)
        return items
    if node.tag == "tag:yaml.org,2002:str":
        return node.value
    # Other scalars: the safe constructor decides the type (int, bool, None, dates, ...).
    return constructor.construct_object(node, deep=True)


def line_of(data: Any, location: Sequence[int | str]) -> int:
    """Return the line of the deepest value of ``data`` reachable along ``location`` (a pydantic error ``loc``)."""
    line = getattr(data, "line", 1)
    current = data
    for step in location:
        if isinstance(current, LineDict) and isinstance(step, str) and step in current:
            line = current.key_lines[step]
            current = current[step]
        elif isinstance(current, LineList) and isinstance(step, int) and 0 <= step < len(current):
            line = current.item_lines[step]
            current = current[step]
        else:
            break
        line = getattr(current, "line", line)
    return line
