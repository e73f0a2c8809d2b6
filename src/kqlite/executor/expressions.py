"""Evaluation of bound scalar expressions over one frame, column-wise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from kqlite.functions import operators as scalar_operators
from kqlite.functions.registry import CallContext
from kqlite.semantics import bound as b
from kqlite.types import DYNAMIC, KqlType

Value = Any


class Evaluator:
    """Evaluates expressions over `frame`; a constant comes back as one Python value.

    `run_query` runs a bound subquery (``in (T | ...)``, ``toscalar(...)``) and returns
    its frame. Window functions (`ScalarFunction.window`, such as ``prev``) read other
    rows of `frame`, so an operator must evaluate them over all of its rows in their
    serialized order, never over a chunk.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        now: pd.Timestamp,
        run_query: Callable[[b.BoundTabular], pd.DataFrame],
        length: int | None = None,
    ) -> None:
        self.frame = frame
        self.length = len(frame) if length is None else length
        self.now = now
        self.run_query = run_query

    def evaluate(self, expr: b.BoundExpr) -> Value:
        # KQL defines the result of an overflow, a division by zero or an invalid
        # operation (null, or ±inf for reals), so numpy's floating-point warnings about
        # them would only leak to the user's terminal.
        with np.errstate(all="ignore"):
            return self._evaluate(expr)

    def _evaluate(self, expr: b.BoundExpr) -> Value:
        if isinstance(expr, b.BoundLiteral):
            return expr.value
        if isinstance(expr, b.BoundColumn):
            return self.frame[expr.name]
        if isinstance(expr, b.BoundCall):
            return self._call(expr)
        if isinstance(expr, b.BoundBinary):
            return self._binary_chain(expr)
        if isinstance(expr, b.BoundUnary):
            operand = self.evaluate(expr.operand)
            return scalar_operators.evaluate_unary(expr.op, operand, expr.operand.kql_type, self.length)
        if isinstance(expr, b.BoundIn):
            return self._in(expr)
        if isinstance(expr, b.BoundBetween):
            return scalar_operators.evaluate_between(
                self.evaluate(expr.operand),
                self.evaluate(expr.low),
                self.evaluate(expr.high),
                expr.operand.kql_type,
                expr.low.kql_type,
                expr.high.kql_type,
                expr.negated,
                self.length,
            )
        if isinstance(expr, b.BoundAccess):
            return _access(self.evaluate(expr.target), self.evaluate(expr.key))
        if isinstance(expr, b.BoundScalarQuery):
            from kqlite.executor.columns import first_value

            frame = self.run_query(expr.query)
            return first_value(frame.iloc[:, 0]) if frame.shape[1] else None
        raise TypeError(f"cannot evaluate {type(expr).__name__}")

    def _call(self, expr: b.BoundCall) -> Value:
        args = [self.evaluate(arg) for arg in expr.args]
        ctx = CallContext(
            length=self.length,
            arg_types=tuple(arg.kql_type for arg in expr.args),
            result_type=expr.kql_type,
            now=self.now,
            span=expr.span,
            constants=tuple(isinstance(arg, b.BoundLiteral) for arg in expr.args),
        )
        result = expr.function.implementation(ctx, *args)
        if expr.member is not None:
            return result[expr.member]
        return result

    def _binary_chain(self, expr: b.BoundBinary) -> Value:
        # A chain `a or b or c ...` nests to the left, one level per operator. The loop
        # follows the left operands, so a chain of any length runs without deep recursion.
        chain = [expr]
        while isinstance(chain[-1].left, b.BoundBinary):
            chain.append(chain[-1].left)

        result = self._evaluate(chain[-1].left)
        for link in reversed(chain):
            right = self._evaluate(link.right)
            result = scalar_operators.evaluate_binary(
                link.op, result, right, link.left.kql_type, link.right.kql_type, self.length
            )
        return result

    def _in(self, expr: b.BoundIn) -> Value:
        operand = self.evaluate(expr.operand)
        if expr.subquery is not None:
            frame = self.run_query(expr.subquery)
            items: Any = frame.iloc[:, 0] if frame.shape[1] else pd.Series([], dtype=object)
        else:
            items = [self.evaluate(item) for item in expr.items]
        return scalar_operators.evaluate_in(expr.op, operand, items, expr.operand.kql_type, self.length)


def _access(target: Value, key: Value) -> Value:
    """``d.key``, ``d['key']`` and ``a[i]`` on dynamic values; missing elements are null."""
    if not isinstance(target, pd.Series) and not isinstance(key, pd.Series):
        return _element(target, key)

    length = len(target) if isinstance(target, pd.Series) else len(key)
    targets = target.to_numpy(dtype=object) if isinstance(target, pd.Series) else [target] * length
    keys = key.to_numpy(dtype=object) if isinstance(key, pd.Series) else [key] * length
    data = np.empty(length, dtype=object)
    for position in range(length):
        data[position] = _element(targets[position], keys[position])
    return pd.Series(data, dtype=object)


def _element(value: Any, key: Any) -> Any:
    if value is None or key is None:
        return None
    if isinstance(value, dict):
        return value.get(str(key)) if not isinstance(key, (int, np.integer)) else None
    if isinstance(value, (list, np.ndarray)) and isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        index = int(key)
        if index < 0:
            index += len(value)
        if 0 <= index < len(value):
            element = value[index]
            return _python_element(element)
        return None
    return None


def _python_element(element: Any) -> Any:
    # An element of a numpy array leaves the array as a plain Python value, or as a
    # pd.Timestamp / pd.Timedelta for datetime and timespan arrays.
    if isinstance(element, np.datetime64):
        return None if np.isnat(element) else pd.Timestamp(element)
    if isinstance(element, np.timedelta64):
        return None if np.isnat(element) else pd.Timedelta(element)
    if isinstance(element, np.floating):
        return None if np.isnan(element) else float(element)
    if isinstance(element, np.generic):
        return element.item()
    return element


def result_type_of(expr: b.BoundExpr) -> KqlType:
    return expr.kql_type if expr.kql_type is not None else DYNAMIC
