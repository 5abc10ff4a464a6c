"""The ``kpi-advisor.yaml`` an upload may carry: only a media-mix table (``mmm:``) read from a file of the same upload,
and optionally ``targets:``.

A config on the server could point a table at any path or database the service can reach; an uploaded one may not.
:func:`check_upload_config` reads the file (within the ``DataLimits`` YAML size and depth) and refuses, naming the
key and the rule (``DataValidationError``, answered 422 with ``errors [{table: "config", column: <key>, rule}]``):

- any top-level key other than ``mmm`` and ``targets`` (``tables:`` entries name paths or URLs): ``upload_config_key``;
- an ``mmm`` source other than ``file`` (``url``, ``table``, ``query``), or none: ``upload_mmm_source``;
- an ``mmm.file`` that is not a plain file name (directory parts, ``..``, absolute, hidden, odd characters) or is
  the name of a contract table, targets or config file: ``upload_file_name``; without a ``.csv`` / ``.parquet``
  suffix: ``upload_file_suffix``; not part of the upload: ``upload_missing_file``;
- a ``targets`` other than ``targets.yaml`` / ``targets.yml`` of the same upload: ``upload_targets``.

A config that passes is then checked against ``DataConfig`` (its shape only, rule ``config_error``); what the
``mmm:`` section says about the data (columns, channels, grain) is checked with the data, in the validation process
(``api.http.validation``), like any other table.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from advisor.data import TABLES, DataConfig, DataLimits, DataValidationError, LimitExceeded, ValidationIssue
from models.yamlio import YamlLimitError, load_yaml

CONFIG_NAMES = ("kpi-advisor.yaml", "kpi-advisor.yml")
TARGET_NAMES = ("targets.yaml", "targets.yml")
MMM_SUFFIXES = (".csv", ".parquet")
ALLOWED_KEYS = ("mmm", "targets")
REFUSED_SOURCES = ("url", "table", "query")
PLAIN_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._ -]{0,99}\Z")
"""A plain file name: starts with a letter or digit, then letters, digits, ``.``, ``_``, ``-`` or spaces (≤ 100)."""


@dataclass(frozen=True)
class UploadConfig:
    """What an accepted upload config names: ``mmm_file`` (the media-mix file of the upload, as the config spells
    it) and ``targets`` (the targets file), each None when not configured."""

    mmm_file: str | None = None
    targets: str | None = None


def _issue(key: str, rule: str, message: str) -> ValidationIssue:
    return ValidationIssue("config", key, (), rule, f"kpi-advisor.yaml: {key}: {message}")


def check_upload_config(content: bytes, uploaded: Collection[str], limits: DataLimits) -> UploadConfig:
    """The files an uploaded ``kpi-advisor.yaml`` (``content``) names, after checking it against the upload rules.

    uploaded: plain names of the upload's other files, lower case. Raises ``DataValidationError`` with every rule
    broken, ``LimitExceeded`` (``max_yaml_bytes`` / ``max_yaml_depth``) for a file over the YAML limits.
    """
    try:
        text = content.decode("utf-8-sig")
        raw: Any = load_yaml(text, "kpi-advisor.yaml", max_bytes=limits.max_yaml_bytes,
                             max_depth=limits.max_yaml_depth)
    except YamlLimitError as exc:
        raise LimitExceeded("config", exc.rule, exc.limit, exc.actual, f"config: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataValidationError([_issue("(file)", "config_error", f"not UTF-8 text: {exc}")]) from exc
    except yaml.YAMLError as exc:
        raise DataValidationError([_issue("(file)", "config_error", f"not valid YAML: {exc}")]) from exc
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise DataValidationError([_issue("(file)", "config_error", "must be a mapping with an 'mmm:' section")])
    issues = [
        _issue(str(key), "upload_config_key",
               f"not accepted in an uploaded config (only {' and '.join(ALLOWED_KEYS)}); upload table files under "
               "their contract names (campaign_daily.csv ...) instead of pointing at paths or databases")
        for key in raw if key not in ALLOWED_KEYS
    ]
    mmm_file = _mmm_file(raw.get("mmm"), uploaded, issues) if "mmm" in raw else None
    targets = _targets(raw.get("targets"), uploaded, issues) if "targets" in raw else None
    if not issues:
        issues = _schema_issues(raw)
    if issues:
        raise DataValidationError(issues)
    return UploadConfig(mmm_file, targets)


def _schema_issues(raw: dict[str, Any]) -> list[ValidationIssue]:
    """The config's shape checked against ``DataConfig`` (small: no table is read): one issue per broken field,
    so that a malformed section (``controls: [[a]]``) is a 422 here rather than an error in the validation process."""
    try:
        DataConfig.model_validate(raw)
    except ValidationError as exc:
        return [_issue(".".join(str(p) for p in err["loc"]) or "(file)", "config_error", err["msg"])
                for err in exc.errors()[:20]]
    except (TypeError, ValueError) as exc:
        return [_issue("mmm", "config_error", str(exc))]
    return []


def _mmm_file(section: Any, uploaded: Collection[str], issues: list[ValidationIssue]) -> str | None:
    if not isinstance(section, dict):
        issues.append(_issue("mmm", "upload_mmm_source", "must be a mapping with 'file:' naming a file of the upload"))
        return None
    for key in REFUSED_SOURCES:
        if key in section:
            issues.append(_issue(f"mmm.{key}", "upload_mmm_source",
                                 "an uploaded config reads only files of the same upload; use 'file:' with the name "
                                 "of an uploaded .csv or .parquet file"))
    name = section.get("file")
    if name is None:
        issues.append(_issue("mmm.file", "upload_mmm_source",
                             "required in an upload: the name of the uploaded .csv or .parquet media-mix file"))
        return None
    if not isinstance(name, str) or not PLAIN_NAME.match(name) or ".." in name or name != name.strip():
        issues.append(_issue("mmm.file", "upload_file_name",
                             f"{name!r} is not a plain file name (no directories, '..', absolute paths or hidden "
                             "files; letters, digits, '.', '_', '-', spaces)"))
        return None
    lower = name.lower()
    stem = lower.partition(".")[0]
    if stem in TABLES or lower in CONFIG_NAMES + TARGET_NAMES:
        issues.append(_issue("mmm.file", "upload_file_name",
                             f"{name!r} is the name of a contract table or config file; call it e.g. mmm.csv"))
        return None
    if not lower.endswith(MMM_SUFFIXES) or lower in MMM_SUFFIXES:
        issues.append(_issue("mmm.file", "upload_file_suffix", f"{name!r} must end in .csv or .parquet"))
        return None
    if lower not in uploaded:
        issues.append(_issue("mmm.file", "upload_missing_file",
                             f"{name!r} is not part of the upload; send it in the same request"))
        return None
    return name


def _targets(value: Any, uploaded: Collection[str], issues: list[ValidationIssue]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in TARGET_NAMES:
        issues.append(_issue("targets", "upload_targets",
                             f"{value!r}: an uploaded config may only name targets.yaml or targets.yml"))
        return None
    if value not in uploaded:
        issues.append(_issue("targets", "upload_missing_file", f"{value!r} is not part of the upload"))
        return None
    return value
