"""sample and sample-distinct: random rows and random distinct values.

Kusto documents both operators as non-deterministic: each run may return other rows.
kqlite draws with a fresh `numpy.random.Generator` seeded from the operating system's
entropy on every call (`numpy.random.default_rng()` without a seed), so two runs of
the same query differ too. The draw is uniform over the rows, or over the distinct
values, and without replacement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kqlite.operators.grouping import group_codes


def sample_positions(length: int, count: int, generator: np.random.Generator | None = None) -> np.ndarray:
    """Return the positions of `count` rows drawn at random from `length` rows, ascending.

    A `count` of at least `length` returns every row, and a count of 0 or less none.
    The positions are sorted, so the sampled rows keep their input order.
    """
    size = max(0, min(count, length))
    if size == length:
        return np.arange(length, dtype=np.int64)

    generator = generator if generator is not None else np.random.default_rng()
    positions = generator.choice(length, size=size, replace=False)
    return np.sort(positions).astype(np.int64)


def sample_distinct_values(column: pd.Series, count: int, generator: np.random.Generator | None = None) -> pd.Series:
    """Return up to `count` distinct values of `column`, drawn at random.

    Null is a value like any other, as in `distinct`. The values keep the order of their
    first appearance in `column`.
    """
    _, ngroups, (values,) = group_codes([column], len(column))
    positions = sample_positions(ngroups, count, generator)
    return values.take(positions).reset_index(drop=True)
