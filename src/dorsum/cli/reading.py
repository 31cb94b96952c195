"""Read an intake from a file or stdin, as JSON or YAML, with errors a person can act on."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from dorsum.core.errors import DorsumError


class InputFileError(DorsumError):
    """The input file cannot be read or parsed."""


def read_document(name: str) -> Any:
    """The parsed document in `name` ('-' is standard input). JSON first, then YAML."""
    label = "standard input" if name == "-" else name
    text = _read_text(name, label)
    if not text.strip():
        raise InputFileError(f"{label} is empty; expected an intake in JSON or YAML")
    try:
        return json.loads(text)
    except json.JSONDecodeError as json_error:
        if Path(name).suffix.lower() == ".json":
            raise InputFileError(_json_message(label, json_error)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as yaml_error:
        raise InputFileError(_yaml_message(label, yaml_error)) from None


def _read_text(name: str, label: str) -> str:
    try:
        if name == "-":
            return sys.stdin.read()
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{label} is a directory, not an intake file") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{label} is not UTF-8 text") from None
    except OSError as error:
        raise InputFileError(f"{label} cannot be read: {error.strerror}") from None


def _json_message(label: str, error: json.JSONDecodeError) -> str:
    return f"{label} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"


def _yaml_message(label: str, error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(error, "problem", None) or "cannot be parsed"
    return f"{label} is not valid JSON or YAML: {problem}{where}"
