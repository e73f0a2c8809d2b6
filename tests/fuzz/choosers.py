"""Sources of choices for the query generator and the mutator.

The generator and the mutator ask a `Chooser` for every decision, so the same code can
be driven by hypothesis (which shrinks a failing case to a small one) or by a seeded
`random.Random` (which is fast and reproducible for the long run).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


class Chooser(Protocol):
    """Makes the random decisions of one generated or mutated query."""

    def integer(self, low: int, high: int) -> int:
        """Return an integer in ``[low, high]``."""
        ...

    def choice(self, options: Sequence[T]) -> T:
        """Return one of `options`."""
        ...

    def chance(self, probability: float) -> bool:
        """Return True with the given probability."""
        ...


class RandomChooser:
    """Decisions from a seeded `random.Random`."""

    def __init__(self, seed: int | str) -> None:
        self.random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.random.randrange(len(options))]

    def chance(self, probability: float) -> bool:
        return self.random.random() < probability


class DrawChooser:
    """Decisions drawn from hypothesis, inside an ``@st.composite`` strategy."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return int(self.draw(st.integers(low, high)))

    def choice(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]

    def chance(self, probability: float) -> bool:
        # Drawing 0 (the value hypothesis shrinks to) means "no", so shrinking removes options.
        return self.integer(0, 999) >= 1000 - round(probability * 1000)
