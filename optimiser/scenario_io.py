"""Scenario files: read safely (regular files only, within the size limit, every failure one sentence naming the
file), validated, and written back atomically with only what differs from the defaults.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Literal

import yaml

from optimiser.atomic import write_text_atomic
from optimiser.errors import ScenarioError, file_kind
from optimiser.scenario import Scenario
from optimiser.scenario_problems import parse_scenario
from optimiser.scenario_yaml import MAX_SCENARIO_BYTES, TOO_LARGE, scenario_data_from_text


def scenario_from_text(text: str, source: str = "scenario") -> Scenario:
    """Parse and validate a scenario's text, reporting syntax errors with their line."""
    return parse_scenario(scenario_data_from_text(text, source), source)


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file, read safely: regular files only, at most MAX_SCENARIO_BYTES.

    A FIFO, a device such as /dev/zero, or a socket is refused before it is opened (opening a FIFO waits
    for a writer; /dev/zero never ends); a file that grows while read is cut at the limit and refused.
    Every failure, permission included, is a ScenarioError sentence naming the file.
    """
    path = Path(path)
    source = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(["is a folder, not a scenario file"], source)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError([f"is {file_kind(info.st_mode)}, not a scenario file; give a .yaml file"], source)
        if info.st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError([TOO_LARGE], source)
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):  # replaced between the check and the open
                raise ScenarioError(["is not a regular file; give a .yaml file"], source)
            with os.fdopen(handle, "rb", closefd=False) as stream:
                raw = stream.read(MAX_SCENARIO_BYTES + 1)
        finally:
            os.close(handle)
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError([f"no such file; check the path (working directory is {Path.cwd().name}/)"], source) from None
    except PermissionError:
        raise ScenarioError(["cannot be read: permission denied (on the file or a folder above it); "
                             "ask for read access or copy the file somewhere you can read"], source) from None
    except OSError as error:
        raise ScenarioError([f"cannot be read: {error.strerror or error}"], source) from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioError([TOO_LARGE], source)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(["the file is not UTF-8 text; is it a scenario?"], source) from None


def read_scenario_data(path: str | Path) -> Any:
    """A scenario file's YAML as plain data, with every limit of `load_scenario` (used for batch base files too)."""
    return scenario_data_from_text(read_scenario_text(path), str(path))


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML or JSON scenario file; every failure is a ScenarioError naming the file."""
    return parse_scenario(read_scenario_data(path), str(path))


def scenario_to_text(scenario: Scenario, fmt: Literal["yaml", "json"] = "yaml") -> str:
    """Only what differs from the defaults is written, so files stay short and diff well."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data = {"pcn": data.pop("pcn"), "year": scenario.year, **data}
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def save_scenario(scenario: Scenario, path: str | Path, overwrite: bool = False) -> Path:
    """Write atomically (temp file then rename) and never replace a file unless asked to."""
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    write_text_atomic(path, scenario_to_text(scenario, fmt), overwrite=overwrite)
    return path
