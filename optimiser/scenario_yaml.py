"""YAML from anyone, parsed safely: `yaml.safe_load` with a size limit, a nesting limit, aliases counted before they
are expanded, and a key given twice refused. Every failure is a ScenarioError sentence with its line.
"""

from __future__ import annotations

from typing import Any

import yaml

from optimiser.errors import ScenarioError, short_value

MAX_SCENARIO_BYTES = 1_000_000
"""A scenario is a few kilobytes; anything near a megabyte is the wrong file."""
TOO_LARGE = f"the file is larger than {MAX_SCENARIO_BYTES // 1000:,} kB; is it a scenario?"

MAX_YAML_DEPTH = 40
"""Nesting a scenario never needs (it uses four levels); deeper text is refused before Python recurses into it."""
TOO_DEEP = f"the file nests deeper than {MAX_YAML_DEPTH} levels; a scenario needs about four"
MAX_YAML_VALUES = 100_000
"""Values in a scenario once every alias is expanded; a real one has a few hundred. Stops alias bombs early."""
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _ScenarioLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when installed: parsing 1 MB takes 0.1 s, not 4 s
    """yaml.safe_load with the limits a file from anyone needs.

    A key given twice is an error instead of the last one silently winning (merge keys `<<: *base` may
    still be overridden, as YAML intends); nesting deeper than MAX_YAML_DEPTH is refused from the event
    stream, before anything recursive runs; and the document's size with every alias expanded is counted
    before any Python object is built.
    """

    def construct_document(self, node):
        _check_expanded_size(node)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key; the base class says so in its own words
                break
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {short_value(key)} is given twice (first on line {first + 1}); keep one", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


class _TooBig(yaml.YAMLError):
    def __init__(self, problem: str, mark=None):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_YAML_DEPTH from the parser's flat event stream (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_ScenarioLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _TooBig(TOO_DEEP, event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_expanded_size(root) -> None:
    """Count the values the document holds with every alias expanded, without expanding anything.

    Each node's expanded size is computed once (iteratively, so no recursion), so a 600-byte file whose
    aliases would expand to a hundred million values is refused in microseconds. A node that contains
    itself (`&a [*a]`) is refused too: no scenario field can hold it.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in size:
            continue
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_YAML_VALUES:
                raise _TooBig(f"the file expands to more than {MAX_YAML_VALUES:,} values (aliases repeat what they point at); "
                              "a scenario has a few hundred", node.start_mark)
            if depth[key] > MAX_YAML_DEPTH:
                raise _TooBig(f"the file nests deeper than {MAX_YAML_DEPTH} levels once aliases are expanded; "
                              "a scenario needs about four", node.start_mark)
            continue
        if key in open_nodes:
            raise _TooBig("an alias refers to a value that contains it, so it never ends", node.start_mark)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def scenario_data_from_text(text: str, source: str = "scenario") -> Any:
    """Parse YAML (JSON is YAML too) safely within the limits above; every failure is a ScenarioError sentence."""
    if len(text) > MAX_SCENARIO_BYTES or len(text.encode("utf-8", errors="ignore")) > MAX_SCENARIO_BYTES:
        raise ScenarioError([TOO_LARGE], source)
    if "\x00" in text:
        raise ScenarioError(["the file is binary, not a YAML scenario"], source)
    loader = None
    try:
        _check_depth(text)
        loader = _ScenarioLoader(text)
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        if isinstance(error, _TooBig):
            raise ScenarioError([f"{where}{problem}"], source) from None
        if "maximum nesting depth" in problem:  # newer libyaml stops deep nesting itself, before the count above sees it
            raise ScenarioError([f"{where}{TOO_DEEP}"], source) from None
        context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
        started = f" ({context} started on line {context_mark.line + 1})" if context and context_mark else ""
        raise ScenarioError([f"{where}YAML syntax error: {_clip(problem)}{started}"], source) from None
    except RecursionError:  # pragma: no cover - the depth limit stops nesting long before this
        raise ScenarioError([TOO_DEEP], source) from None
    finally:
        if loader is not None:
            loader.dispose()


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
