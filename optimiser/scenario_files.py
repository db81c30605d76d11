"""Scenario files the app lists, opens and saves: safe names, never outside the folder, and unsaved edits."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from optimiser.errors import ScenarioError
from optimiser.scenario import Scenario

def has_unsaved_changes(current: Scenario, saved_json: str | None) -> bool:
    """Whether the scenario differs from the one last loaded or saved (0 and 0.0 are the same number)."""
    return saved_json is None or json.loads(current.canonical_json()) != json.loads(saved_json)



_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME_LENGTH = 80
MAX_NAME_BYTES = 200
"""File systems allow 255 bytes a name; a letter outside ASCII takes two to four."""


def _name_character(c: str) -> str:
    return c if c in " _-" or (c.isalnum() and unicodedata.category(c)[0] in "LN") else "-"


def safe_filename(name: str) -> str:
    """A file name made only of letters (of any alphabet), digits, spaces, - and _, ending .yaml.

    No folders, no hidden files, no control characters: anything else becomes '-', so '../../etc/passwd'
    becomes 'etc-passwd.yaml' while 'Ünïcödé PCN' keeps its letters. A name with no letters or digits is refused.
    """
    stem = unicodedata.normalize("NFC", name or "").strip()
    for extension in (".yaml", ".yml"):
        if stem.lower().endswith(extension):
            stem = stem[: -len(extension)]
    stem = "".join(_name_character(c) for c in stem)
    stem = re.sub(r"-{2,}", "-", stem)
    stem = re.sub(r" {2,}", " ", stem).strip(" -_")[:MAX_NAME_LENGTH]
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.strip(" -_")
    if not any(c.isalnum() for c in stem):
        raise ScenarioError(["type a name with letters or digits (spaces, - and _ are allowed too)"], "file name")
    if stem.upper() in _RESERVED:
        stem += "-scenario"
    return stem + ".yaml"


def save_path(folder: str | Path, name: str) -> Path:
    """Where a scenario called `name` is saved in `folder`; never outside it."""
    folder = Path(folder).resolve()
    path = folder / safe_filename(name)
    if path.parent != folder:  # pragma: no cover - safe_filename allows no separators
        raise ScenarioError([f"{name!r} would be saved outside {folder}"], "file name")
    return path


def scenario_files(folders: list[Path]) -> dict[str, Path]:
    """Scenario files (.yaml, .yml, .json) in the folders, by a label that is the file name where unique."""
    found: dict[str, Path] = {}
    seen: set[Path] = set()
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).iterdir()):
            if path.name.startswith(".") or path.suffix.lower() not in (".yaml", ".yml", ".json") or not path.is_file():
                continue
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            label = path.name if path.name not in found else f"{path.name} ({Path(folder).name}/)"
            found[label] = path
    return found


