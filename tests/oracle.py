"""Bridge to the kql-oracle tool: Microsoft's KQL parser and analyzer, run with Node.js.

The tool (``oracle.js`` in the shared ``tools/kql-oracle`` folder) loads the npm package
``@kusto/language-service-next`` 12.4.1, the JavaScript build of Kusto.Language, and
reports for each query its syntax and semantic errors and its result columns. It reads
and writes JSON lines; one Node.js process analyses a whole batch.

`KQLITE_ORACLE_MODULES` names the ``node_modules`` folder that contains the package
(``.ci/run`` installs it). Analyses are cached in one JSON file per cache folder,
keyed by a hash of the query, its table schemas, the tool's source and the package
version, so a repeated run starts no Node.js process at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "@kusto/language-service-next"
MODULES_VARIABLE = "KQLITE_ORACLE_MODULES"
CACHE_VARIABLE = "KQLITE_ORACLE_CACHE"
ORACLE_SCRIPT = Path(__file__).resolve().parents[1] / ".." / "shared" / "tools" / "kql-oracle" / "oracle.js"
CACHE_FILE_NAME = "analyses.json"

# The tool needs about 1 s to start and 1-5 ms a query; a batch far slower than that is stuck.
BATCH_TIMEOUT_SECONDS = 600

# Table name -> column name -> KQL type name, in column order.
Schema = dict[str, dict[str, str]]


class OracleUnavailable(Exception):
    """Node.js, the npm package or the tool itself is missing, as the message states."""


class OracleFailed(Exception):
    """The tool ran but did not return an analysis for every query."""


@dataclass(frozen=True)
class Analysis:
    """What Kusto.Language reports about one query or control command."""

    ok: bool
    kind: str
    syntax_errors: tuple[dict[str, Any], ...]
    semantic_errors: tuple[dict[str, Any], ...]
    result_columns: tuple[tuple[str, str], ...] | None

    @property
    def errors(self) -> tuple[dict[str, Any], ...]:
        return self.syntax_errors + self.semantic_errors

    def describe_errors(self, query: str) -> str:
        """List each error as ``CODE at offset 'text': message``."""
        return "; ".join(
            f"{error['code']} at {error['start']} {query[error['start'] : error['end']]!r}: {error['message']}"
            for error in self.errors
        )

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Analysis:
        columns = record.get("result_columns")
        return cls(
            ok=bool(record["ok"]),
            kind=str(record.get("kind", "")),
            syntax_errors=tuple(record.get("syntax_errors", ())),
            semantic_errors=tuple(record.get("semantic_errors", ())),
            result_columns=None if columns is None else tuple((c["name"], c["type"]) for c in columns),
        )


@dataclass(frozen=True)
class Request:
    """One query to analyse, with the tables it may name."""

    query: str
    schema: Schema | None = None


class Oracle:
    """Runs the kql-oracle tool over batches of queries, with a result cache."""

    def __init__(self, node: str, script: Path, modules: Path, cache_folder: Path) -> None:
        self.node = node
        self.script = script
        self.modules = modules
        self.cache_file = cache_folder / CACHE_FILE_NAME
        self.fingerprint = _fingerprint(script, modules)
        self.processes_started = 0

    def analyze(self, requests: list[Request]) -> list[Analysis]:
        """Analyse every request, running the tool once for those not in the cache."""
        cache = self._read_cache()
        keys = [self._key(request) for request in requests]
        missing = {key: request for key, request in zip(keys, requests, strict=True) if key not in cache}

        if missing:
            fresh = self._run(list(missing.values()))
            cache.update(zip(missing, fresh, strict=True))
            self._write_cache(cache)

        return [Analysis.from_json(cache[key]) for key in keys]

    def _key(self, request: Request) -> str:
        # Column order is part of a schema, so the dictionaries keep their insertion order.
        text = json.dumps([self.fingerprint, request.query, request.schema], ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _run(self, requests: list[Request]) -> list[dict[str, Any]]:
        lines = []
        for number, request in enumerate(requests):
            record: dict[str, Any] = {"id": number, "query": request.query}
            if request.schema is not None:
                record["schema"] = request.schema
            lines.append(json.dumps(record, ensure_ascii=False))

        environment = {**os.environ, "NODE_PATH": str(self.modules)}
        self.processes_started += 1
        completed = subprocess.run(
            [self.node, str(self.script)],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=environment,
            timeout=BATCH_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            raise OracleFailed(f"{self.script.name} exited with code {completed.returncode}: {completed.stderr[-2000:]}")

        results: dict[int, dict[str, Any]] = {}
        # JSON lines end in "\n" only. str.splitlines would also split at U+2028, U+2029 and
        # U+0085, which JSON leaves unescaped inside strings.
        for line in completed.stdout.split("\n"):
            if line.strip():
                record = json.loads(line)
                results[int(record.pop("id"))] = record
        if len(results) != len(requests):
            raise OracleFailed(
                f"{self.script.name} returned analyses for {len(results)} of {len(requests)} queries: {completed.stderr[-2000:]}"
            )
        return [results[number] for number in range(len(requests))]

    def _read_cache(self) -> dict[str, dict[str, Any]]:
        try:
            loaded = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _write_cache(self, cache: dict[str, dict[str, Any]]) -> None:
        # Written next to the old file and renamed over it, so a crash leaves a whole file.
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.cache_file.parent, prefix=".analyses-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            # ASCII escapes also write a lone surrogate (from a fuzzed query), which UTF-8 cannot encode.
            json.dump(cache, stream, ensure_ascii=True)
        os.replace(temporary, self.cache_file)


def find_oracle(default_cache_folder: Path) -> Oracle:
    """Locate Node.js, the npm package and the tool, or raise `OracleUnavailable` saying what is missing.

    The cache folder is `KQLITE_ORACLE_CACHE` when set, else `default_cache_folder`.
    """
    node = shutil.which("node")
    if node is None:
        raise OracleUnavailable("node (Node.js >= 16) is not on PATH")

    if not ORACLE_SCRIPT.is_file():
        raise OracleUnavailable(f"the kql-oracle tool is not at {ORACLE_SCRIPT}")

    modules_setting = os.environ.get(MODULES_VARIABLE)
    if not modules_setting:
        raise OracleUnavailable(
            f"{MODULES_VARIABLE} is not set; set it to a node_modules folder holding {PACKAGE} "
            f"(npm install --prefix DIR {PACKAGE}@12.4.1, then {MODULES_VARIABLE}=DIR/node_modules)"
        )
    modules = Path(modules_setting)
    if not (modules / PACKAGE / "package.json").is_file():
        raise OracleUnavailable(f"{PACKAGE} is not installed in {MODULES_VARIABLE}={modules}")

    cache_folder = Path(os.environ.get(CACHE_VARIABLE) or default_cache_folder)
    return Oracle(node, ORACLE_SCRIPT, modules, cache_folder)


def _fingerprint(script: Path, modules: Path) -> str:
    """Identify the tool's source and the package version, so a change of either empties the cache."""
    digest = hashlib.sha256(script.read_bytes())
    package_file = modules / PACKAGE / "package.json"
    version = json.loads(package_file.read_text(encoding="utf-8")).get("version", "")
    digest.update(version.encode("utf-8"))
    return digest.hexdigest()
