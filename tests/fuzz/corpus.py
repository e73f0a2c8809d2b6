"""The fuzzer's inputs: seed queries to mutate, the cases of one run, and small tables to run them on.

Seeds are the documented examples of the shared conformance folder (those without
set-up commands) and the investigation article's queries (without its control command).
Both are read when the fuzzer runs. Without the shared folder, the fuzzer uses the
generator alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fuzz.choosers import Chooser, RandomChooser
from fuzz.generator import QueryGenerator
from fuzz.mutation import mutate
from test_conformance import CONFORMANCE_FOLDER, load_cases
from test_oracle_schemas import INVESTIGATION_FILE, article_queries

# Share of cases that mutate a seed rather than generate a new query.
MUTATION_SHARE = 0.5
# Share of mutations whose seed is a generated query rather than a documented one.
GENERATED_SEED_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Case:
    """One fuzzer input: the query text and where it came from (``generated`` or ``mutated``)."""

    query: str
    origin: str


def seed_queries() -> list[str]:
    """Return the documented queries to mutate, or none when the shared folder is absent."""
    seeds: list[str] = []
    if CONFORMANCE_FOLDER.is_dir():
        seeds.extend(case.query for case in load_cases() if not case.setup and not is_command(case.query))
    if INVESTIGATION_FILE.is_file():
        seeds.extend(query for query in article_queries() if not is_command(query))
    return seeds


def is_command(text: str) -> bool:
    """Tell a control command (``.create``, ``.ingest``...), which ``schema_of`` does not judge."""
    return text.lstrip().startswith(".")


def make_case(choose: Chooser, seeds: list[str]) -> Case:
    """Generate a new query or mutate a seed, as `choose` decides."""
    generator = QueryGenerator(choose)
    if not choose.chance(MUTATION_SHARE):
        return Case(generator.query(), "generated")
    if seeds and not choose.chance(GENERATED_SEED_SHARE):
        seed = choose.choice(seeds)
    else:
        seed = generator.query()
    return Case(mutate(seed, choose), "mutated")


def make_cases(seed: int | str, count: int, seeds: list[str]) -> list[Case]:
    """Return `count` cases, the same ones for the same seed."""
    choose = RandomChooser(seed)
    return [make_case(choose, seeds) for _ in range(count)]


# Rows for the fuzzer's tables, with nulls and empty strings in every column type.
DATA_COMMANDS = (
    ".set-or-replace NetworkMetrics <| datatable(Timestamp:datetime, ClientIP:string, TargetIP:string, "
    "BytesSent:long, BytesReceived:long, NewConnections:int)["
    "datetime(2023-06-01), '10.0.0.1', '178.248.55.249', 100, 10, 1,"
    "datetime(2023-06-01 06:00), '10.0.0.2', '178.248.55.249', 2000, 20, 2,"
    "datetime(2023-06-02), '10.0.0.1', '178.248.55.1', long(null), 30, int(null),"
    "datetime(null), '', '', 0, long(null), 0,"
    "datetime(2023-06-03), '192.168.1.7', '178.248.55.249', -5, 40, 3]",
    ".set-or-replace IpInfo <| datatable(IpCidr:string, Info:string)["
    "'10.0.0.0/24', 'PRIVATE', '178.248.55.0/24', 'DIGITOWN', '192.168.0.0/16', 'KUANDA.ORG', '', '']",
    ".set-or-replace IpInfoEx <| datatable(ClientIP:string, IpCidr:string, Info:string)["
    "'10.0.0.1', '10.0.0.0/24', 'PRIVATE', '192.168.1.7', '192.168.0.0/16', 'KUANDA.ORG']",
    ".set-or-replace AllTypes <| datatable(Flag:bool, Small:int, Big:long, Ratio:real, Exact:decimal, "
    "Text:string, Moment:datetime, Span:timespan, Id:guid, Bag:dynamic)["
    "true, 1, 10, 1.5, decimal(2.5), 'a,b', datetime(2023-06-01), 1h, "
    "guid(74be27de-1e4e-49d9-b579-fe0b331d3642), dynamic({'a': 1, 'b': [1, 2]}),"
    "false, -3, -9223372036854775807, real(nan), decimal(-1), '10.0.0.1', datetime(1970-01-01), -1d, "
    "guid(00000000-0000-0000-0000-000000000000), dynamic([1, 'x', null]),"
    "bool(null), int(null), long(null), real(null), decimal(null), '', datetime(null), timespan(null), "
    "guid(null), dynamic(null)]",
)


def data_database() -> Any:
    """Return an in-memory database holding the fuzzer's tables with a few rows each."""
    import kqlite

    db = kqlite.connect()
    for command in DATA_COMMANDS:
        db.execute(command)
    return db
