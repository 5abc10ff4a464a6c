"""schemathesis hooks for ``benchmarks/fuzz_api.py`` (loaded through ``SCHEMATHESIS_HOOKS=fuzz_hooks``).

- ``before_call``: keeps the run's admin key alive. A ``DELETE /v1/keys/{key_id}`` aimed at the key in use
  (``FUZZ_PROTECTED_KEY_ID``) is sent to an id that does not exist instead (the route stays in the run for every
  other id, keys created by the stateful phase included); the count of such rewrites is logged.
- ``after_call``: appends one JSON line per call to ``FUZZ_CALL_LOG``: phase, operation label, status, and for a
  5xx the request as a curl command and the first 2,000 characters of the answer.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis

UNKNOWN_KEY_ID = "000000000000"


def _phase(case: Any) -> str:
    meta = case.meta
    return str(meta.phase.name) if meta is not None else "unknown"


def _log(record: dict[str, Any]) -> None:
    path = os.environ.get("FUZZ_CALL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    protected = os.environ.get("FUZZ_PROTECTED_KEY_ID")
    if (protected and case.method.upper() == "DELETE" and case.operation.path.endswith("/keys/{key_id}")
            and str(case.path_parameters.get("key_id")) == protected):
        case.path_parameters["key_id"] = UNKNOWN_KEY_ID
        _log({"phase": _phase(case), "operation": case.operation.label, "protected_key_rewrite": True})


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    record: dict[str, Any] = {"phase": _phase(case), "operation": case.operation.label,
                              "status": int(response.status_code)}
    if response.status_code >= 500:
        record["curl"] = case.as_curl_command()
        record["answer"] = response.text[:2000]
    _log(record)
