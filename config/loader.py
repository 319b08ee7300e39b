"""Load ``sources.yaml`` so that every problem is reported with its position and no good entry is lost.

Each source entry is validated on its own: a broken entry becomes a :class:`ConfigProblem` and is skipped
while the other entries load, so one bad edit never stops the other sources. Problems point at the YAML node
they are about (1-based line and column, like a compiler), so the composed node tree is kept next to the data.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from config.schema import SOURCE_CLASSES, SOURCE_TYPES, SourceBase, SourceConfig, SourcesFile

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    line: int | None  # 1-based
    column: int | None  # 1-based
    message: str
    source_id: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass
class LoadedConfig:
    path: Path
    sources: list[SourceConfig] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_id(self, source_id: str) -> SourceConfig | None:
        return next((source for source in self.sources if source.id == source_id), None)


def format_problems(problems: Iterable[ConfigProblem]) -> str:
    """One problem per line, in file order, as ``file:line:column: message``."""
    return "\n".join(str(problem) for problem in problems)


def load_sources(path: str | os.PathLike[str]) -> LoadedConfig:
    """Read and validate a sources file. Never raises for bad content: every problem lands in ``problems``."""
    loader = _Loader(os.fspath(path))
    loader.run()
    problems = sorted(loader.problems, key=lambda p: (p.line or 0, p.column or 0))  # stable: file order
    return LoadedConfig(path=Path(path), sources=loader.sources, problems=problems)


# -- reading and parsing -----------------------------------------------------------------------------------

# PyYAML's own wording is cryptic for the two mistakes operators make most.
_YAML_HINTS = (
    ("'\\t'", "indent with spaces; YAML does not allow tabs there"),
    ("alias", "a value starting with '*' must be quoted, e.g. schedule: \"*/30 * * * *\""),
)


class _Loader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.sources: list[SourceConfig] = []
        self.problems: list[ConfigProblem] = []
        self.duplicates: dict[int, list[tuple[Node, Node]]] = {}

    def problem(self, node_or_mark: Any, message: str, source_id: str | None = None) -> None:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        self.problems.append(ConfigProblem(self.file, line, column, message, source_id))

    def run(self) -> None:
        text = self.read()
        if text is None:
            return
        parsed = self.parse(text)
        if parsed is None:
            return
        root, data = parsed
        sources = self.check_top_level(root, data)
        if sources is None:
            return
        sources_node, entries = sources
        first_line_of_id: dict[str, int] = {}
        for index, (node, entry) in enumerate(zip(sources_node.value, entries, strict=True)):
            self.load_entry(index, node, entry, first_line_of_id)

    def read(self) -> str | None:
        try:
            raw = Path(self.file).read_bytes()
        except FileNotFoundError:
            self.problem(None, "file not found")
            return None
        except IsADirectoryError:
            self.problem(None, "is a directory, expected a YAML file")
            return None
        except OSError as exc:
            self.problem(None, f"cannot read file: {exc.strerror or exc}")
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            message = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
            self.problems.append(ConfigProblem(self.file, line, column, message))
            return None

    def parse(self, text: str) -> tuple[Node | None, Any] | None:
        loader: yaml.SafeLoader | None = None
        try:
            loader = yaml.SafeLoader(text)  # checks for forbidden characters already
            root = loader.get_single_node()
            # Before constructing: construction flattens '<<' merges into the nodes, which would look like
            # duplicates, and silently keeps the last of two equal keys.
            duplicates = self.find_duplicate_keys(root)
            data = loader.construct_document(root) if root is not None else None
        except yaml.MarkedYAMLError as exc:
            self.yaml_error(exc)
            return None
        except yaml.reader.ReaderError as exc:  # a control character PyYAML refuses; it has no mark
            before = text[: exc.position]
            self.problems.append(ConfigProblem(
                self.file, before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1,
                f"YAML error: character {chr(exc.character)!r} is not allowed in a YAML file",
            ))
            return None
        except yaml.YAMLError as exc:
            self.problem(None, f"YAML error: {exc}")
            return None
        finally:
            if loader is not None:
                loader.dispose()
        self.duplicates = duplicates
        return root, data

    def yaml_error(self, exc: yaml.MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem and exc.context_mark is not None:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        for needle, hint in _YAML_HINTS:
            if needle in message:
                message += f"; {hint}"
                break
        self.problem(mark, message)

    def find_duplicate_keys(self, root: Node | None) -> dict[int, list[tuple[Node, Node]]]:
        """(repeated key node, first key node) pairs, grouped by the id() of the mapping node holding them."""
        found: dict[int, list[tuple[Node, Node]]] = {}
        seen: set[int] = set()  # aliases can make the graph cyclic
        stack = [root] if root is not None else []
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, MappingNode):
                first: dict[tuple[str, str], Node] = {}
                for key, value in node.value:
                    stack.extend((key, value))
                    if not isinstance(key, ScalarNode) or key.tag == _MERGE_TAG:
                        continue
                    if (key.tag, key.value) in first:
                        found.setdefault(id(node), []).append((key, first[key.tag, key.value]))
                    else:
                        first[key.tag, key.value] = key
            elif isinstance(node, SequenceNode):
                stack.extend(node.value)
        return found

    def duplicate_problems(self, node: Node, where: str, source_id: str | None = None) -> None:
        """Report repeated keys anywhere inside ``node``."""
        for mapping in _mappings_within(node):
            for key, first in self.duplicates.get(id(mapping), []):
                self.problem(
                    key,
                    f"{where}duplicate key {key.value!r} (first at line {first.start_mark.line + 1}); "
                    "keep only one of them",
                    source_id,
                )

    # -- structure ------------------------------------------------------------------------------------------

    def check_top_level(self, root: Node | None, data: Any) -> tuple[SequenceNode, list[Any]] | None:
        allowed = list(SourcesFile.model_fields)
        if not isinstance(root, MappingNode) or not isinstance(data, dict):
            got = "an empty file" if root is None else _describe(data)
            hint = "; did you forget the 'sources:' line?" if isinstance(data, list) else ""
            self.problem(root.start_mark if root is not None else None,
                         f"expected a mapping with a 'sources' list at the top level, got {got}{hint}")
            return None
        for key_node, _ in root.value:
            key = _key_of(key_node)
            if key is not _NOT_A_KEY and key not in allowed:
                self.problem(key_node, f"unknown top-level key {_show(key)}{_did_you_mean(key, allowed)}")
        for mapping_key, first in self.duplicates.get(id(root), []):
            self.problem(mapping_key, f"duplicate top-level key {mapping_key.value!r} "
                         f"(first at line {first.start_mark.line + 1}); only the last one is used")
        sources_key, sources_node = _lookup(root, "sources")
        if sources_node is None:
            self.problem(root, "missing the top-level key 'sources' (a list of source entries)")
            return None
        entries = data.get("sources")
        if not isinstance(sources_node, SequenceNode) or not isinstance(entries, list):
            empty = sources_node.tag == "tag:yaml.org,2002:null"
            self.problem(sources_key if empty else sources_node,
                         f"sources: expected a list of entries ('- id: ...'), got {_describe(entries)}")
            return None
        return sources_node, entries

    def load_entry(self, index: int, node: Node, entry: Any, first_line_of_id: dict[str, int]) -> None:
        source_id = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else None
        where = f"sources[{index}]" + (f" ({source_id})" if source_id else "")
        if not isinstance(node, MappingNode) or not isinstance(entry, dict):
            self.problem(node, f"{where}: expected a mapping (id: ..., type: ...), got {_describe(entry)}")
            return
        before = len(self.problems)
        self.duplicate_problems(node, f"{where}: ", source_id)

        if source_id is not None:
            id_node = _lookup(node, "id")[1] or node
            if source_id in first_line_of_id:
                self.problem(id_node, f"{where}.id: duplicate id {source_id!r}, first defined at line "
                             f"{first_line_of_id[source_id]}", source_id)
            else:
                first_line_of_id[source_id] = id_node.start_mark.line + 1

        # YAML reads yes/no/on/off and numbers as non-text keys; pydantic reports those confusingly.
        for key_node, _ in node.value:
            key = _key_of(key_node)
            if key is not _NOT_A_KEY and not isinstance(key, str):
                self.problem(key_node, f"{where}: key {key_node.value!r} reads as {_show(key)}, not as text "
                             "(YAML 1.1 turns yes/no/on/off and numbers into values); quote it", source_id)
        clean = {key: value for key, value in entry.items() if isinstance(key, str)}

        cls = self.source_class(node, clean, where, source_id)
        try:
            source = (cls or SourceBase).model_validate(_for_base(clean) if cls is None else clean)
        except ValidationError as exc:
            for error in exc.errors():
                self.pydantic_error(cls or SourceBase, error, node, where, source_id)
            return
        if cls is not None and len(self.problems) == before:
            self.sources.append(source)  # type: ignore[arg-type]  # cls is a member of the union

    def source_class(self, node: MappingNode, entry: dict[str, Any], where: str,
                     source_id: str | None) -> type[SourceBase] | None:
        """The model for the entry's ``type``, or None (reported) when the type is missing or unknown."""
        known = ", ".join(repr(name) for name in SOURCE_TYPES)
        if "type" not in entry:
            self.problem(node, f"{where}: missing required key 'type' (one of {known})", source_id)
            return None
        kind = entry["type"]
        if isinstance(kind, str) and kind in SOURCE_CLASSES:
            return SOURCE_CLASSES[kind]
        hint = _did_you_mean(kind, SOURCE_TYPES, cutoff=0.5)  # type names are short: 'ical' -> 'ics'
        self.problem(_lookup(node, "type")[1], f"{where}.type: unknown source type {_show(kind)}; "
                     f"known types: {known}{hint}", source_id)
        return None

    def pydantic_error(self, cls: type[BaseModel], error: Any, node: MappingNode, where: str,
                       source_id: str | None) -> None:
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            key = str(loc[0])
            self.problem(_lookup(node, key)[0] or node, f"{where}: unknown key {key!r}{_key_hint(key, cls)}",
                         source_id)
            return
        if kind == "missing":
            self.problem(node, f"{where}: missing required key {'.'.join(map(str, loc))!r}", source_id)
            return
        target = _locate(node, loc)
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
        self.problem(target, f"{where}{path}: {_friendly(cls, error)}", source_id)


# -- messages ----------------------------------------------------------------------------------------------

_EXPECTED = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}


def _friendly(cls: type[BaseModel], error: dict[str, Any]) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind in _EXPECTED:
        return f"{_EXPECTED[kind]}, got {_show(value)}"
    if kind == "literal_error":
        choices = _literal_choices(cls, str(error["loc"][0]))
        hint = _did_you_mean(value, choices) if isinstance(value, str) else ""
        return f"must be one of {', '.join(map(repr, choices))}, got {_show(value)}{hint}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than"}[kind]
        return f"must be {sign} {next(iter(ctx.values()))}, got {_show(value)}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    message = error["msg"]
    return f"{message[:1].lower()}{message[1:]}, got {_show(value)}"


def _literal_choices(cls: type[BaseModel], name: str) -> tuple[Any, ...]:
    annotation = cls.model_fields[name].annotation if name in cls.model_fields else None
    # Unwrap "X | None" to reach the Literal.
    options = [annotation] + list(get_args(annotation))
    for option in options:
        if get_origin(option) is Literal:
            return get_args(option)
    return ()


def _key_hint(key: str, cls: type[BaseModel]) -> str:
    allowed = [name for name in cls.model_fields]
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f" — did you mean {close[0]!r}?"
    owners = [name for name, other in SOURCE_CLASSES.items() if key in other.model_fields]
    if owners and cls is not SourceBase:
        return f" — {key!r} belongs to sources of type {', '.join(map(repr, owners))}"
    return f"; allowed keys: {', '.join(allowed)}"


def _did_you_mean(value: Any, choices: Sequence[Any], cutoff: float = 0.6) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(choice) for choice in choices], n=1, cutoff=cutoff)
    return f" — did you mean {close[0]!r}?" if close else ""


def _show(value: Any) -> str:
    """A value as the operator wrote it in YAML."""
    if value is None:
        return "null (empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict | list):
        return _describe(value)
    return str(value)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    kinds = {str: "text", bool: "boolean", int: "number", float: "number"}
    return f"{kinds.get(type(value), type(value).__name__)} {_show(value)}"


def _for_base(entry: dict[str, Any]) -> dict[str, Any]:
    """The common keys of an entry whose type is unknown, so their problems are reported in the same pass."""
    return {**{k: v for k, v in entry.items() if k in SourceBase.model_fields}, "type": "?"}


# -- node lookup -------------------------------------------------------------------------------------------

_NOT_A_KEY = object()


def _key_of(key_node: Node) -> Any:
    """The key a scalar key node stands for (``yes`` is True), or _NOT_A_KEY for merges and complex keys."""
    if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
        return _NOT_A_KEY
    return yaml.SafeLoader("").construct_object(key_node)


def _lookup(mapping: MappingNode, key: str) -> tuple[Node | None, Node | None]:
    """(key node, value node) of ``key``; the last wins, as in PyYAML, which also puts merged keys first."""
    for key_node, value_node in reversed(mapping.value):
        if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG and key_node.value == key:
            return key_node, value_node
    return None, None


def _locate(node: Node, loc: tuple[Any, ...]) -> Node:
    """The deepest node the pydantic ``loc`` reaches."""
    for part in loc:
        if isinstance(node, MappingNode):
            found = _lookup(node, str(part))[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            found = node.value[part]
        else:
            found = None
        if found is None:
            break
        node = found
    return node


def _mappings_within(node: Node) -> list[Node]:
    out: list[Node] = []
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MappingNode):
            out.append(current)
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
    return out

