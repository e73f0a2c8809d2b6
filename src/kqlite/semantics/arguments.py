"""Which arguments fit a function parameter, and which arguments count as constants.

The rules follow Kusto.Language 12.4.1 (Microsoft's KQL analyzer), measured by calling every
built-in scalar function with an argument of each type (a column, a literal, a typed null, a
dynamic array, bag or scalar) in each parameter position:

- A typed null (``int(null)``) has its type, like any other value of that type.
- ``int`` and ``long`` fit every numeric parameter. ``real`` and ``decimal`` fit a parameter
  that takes ``real`` or ``decimal``, but never an integer one (``substring(s, 1.5)`` is
  rejected).
- A ``dynamic`` value fits ``string`` and ``dynamic`` parameters and untyped ones only:
  ``abs(d.x)`` and ``startofday(d.t)`` need a conversion.
- Kusto.Language tracks the shape of some dynamic values: ``dynamic([1])`` and ``pack_array``
  are arrays, ``dynamic({})`` and ``bag_pack`` are bags, ``dynamic(1)`` is a scalar. Other
  dynamic values (a column, ``d.x``, ``parse_json(s)``, ``dynamic(null)``) may be anything.
  A ``dynamic`` parameter takes an array, a ``string`` parameter only a dynamic value of
  unknown shape.
- A constant is an expression without columns or dynamic member access: ``toint(7)`` and
  ``strcat('a', 'b')`` count, ``tostring(Text)`` and ``d.x`` do not.

The tables below list the parameters that differ from these rules, as (function, parameter)
pairs; they hold for aggregates too.
"""

from __future__ import annotations

import pandas as pd

from kqlite.functions.registry import SCALARS, Param
from kqlite.semantics import bound as b
from kqlite.types import DECIMAL, DYNAMIC, GUID, INT, LONG, NUMERIC_TYPES, REAL, STRING, KqlType

ARRAY = "array"
BAG = "bag"
SCALAR = "scalar"

# Dynamic parameters that take a bag rather than an array.
BAG_PARAMETERS = frozenset({
    ("bag_keys", "object"),
    ("bag_merge", "bag"),
    ("bag_merge", "more"),
    ("geo_point_in_polygon", "polygon"),
    ("make_bag", "expr"),
    ("make_bag_if", "expr"),
})

# Parameters that take a dynamic value of any shape (and a string).
ANY_DYNAMIC_PARAMETERS = frozenset({
    ("strlen", "source"),
    ("string_size", "source"),
    ("has_ipv4", "source"),
    ("has_ipv4_prefix", "source"),
    ("has_any_ipv4", "source"),
    ("has_any_ipv4_prefix", "source"),
    ("ipv4_is_in_any_range", "ip"),
    ("has_any_index", "source"),
    ("toguid", "value"),
})

# String parameters that take a value of any type, converted as `tostring` does.
CONVERTED_TO_STRING_PARAMETERS = frozenset({
    ("indexof", "source"),
    ("indexof", "lookup"),
    ("split", "source"),
    ("strcat_array", "delimiter"),
    ("strcat_delim", "delimiter"),
    ("strrep", "delimiter"),
    ("substring", "source"),
    ("tolower", "source"),
    ("toupper", "source"),
})

# Untyped parameters that reject some types. `min`, `max` and `arg_max` need a value that
# can be ordered: a number, bool, string, datetime or timespan.
_NOT_ORDERABLE = frozenset({GUID, DYNAMIC})
UNTYPED_EXCLUSIONS: dict[tuple[str, str], frozenset[KqlType]] = {
    ("hash", "source"): frozenset({DYNAMIC}),
    ("hash_md5", "source"): frozenset({DYNAMIC}),
    ("hash_sha1", "source"): frozenset({DYNAMIC}),
    ("hash_sha256", "source"): frozenset({DYNAMIC}),
    ("count_distinct", "expr"): frozenset({DYNAMIC}),
    ("count_distinctif", "expr"): frozenset({DYNAMIC}),
    ("min", "expr"): _NOT_ORDERABLE,
    ("max", "expr"): _NOT_ORDERABLE,
    ("minif", "expr"): _NOT_ORDERABLE,
    ("maxif", "expr"): _NOT_ORDERABLE,
    ("arg_min", "expr"): _NOT_ORDERABLE,
    ("arg_max", "expr"): _NOT_ORDERABLE,
    ("max_of", "argument"): _NOT_ORDERABLE,
    ("max_of", "more"): _NOT_ORDERABLE,
    ("min_of", "argument"): _NOT_ORDERABLE,
    ("min_of", "more"): _NOT_ORDERABLE,
}

# Functions whose arguments are all dynamic or all of other types (``coalesce(s, d.x)`` is rejected).
NO_DYNAMIC_MIXING = frozenset({"coalesce"})

# Functions that take their arguments in pairs (a key and a value).
PAIRED_ARGUMENTS = frozenset({"bag_pack"})

# Real parameters that reject a decimal.
REAL_NOT_DECIMAL_PARAMETERS = frozenset({
    ("isnan", "number"),
    ("isinf", "number"),
    ("isfinite", "number"),
    ("series_outliers", "min_percentile"),
    ("series_outliers", "max_percentile"),
})

# Functions that give dynamic when their values have no common type (``iff(c, 1, 'a')``).
# `coalesce`, `max_of` and `min_of` reject such values instead.
DYNAMIC_WHEN_NO_COMMON_TYPE = frozenset({"iff", "case"})

# Functions whose result has a known dynamic shape.
RESULT_SHAPES = {"pack_array": ARRAY, "bag_pack": BAG}

# Functions that return a new value on every call, so a call is never folded at bind time.
VOLATILE_FUNCTIONS = frozenset({"now", "ago", "rand", "new_guid"})

def dynamic_shape(expr: b.BoundExpr) -> str | None:
    """Return the shape Kusto.Language gives a dynamic expression: array, bag, scalar, or None when unknown."""
    if isinstance(expr, b.BoundLiteral):
        if expr.value is None:
            return None
        if isinstance(expr.value, dict):
            return BAG
        if isinstance(expr.value, (list, tuple)) or hasattr(expr.value, "ndim"):
            return ARRAY
        return SCALAR
    if isinstance(expr, b.BoundCall) and expr.member is None:
        return RESULT_SHAPES.get(expr.function.name)
    return None


def is_constant(expr: b.BoundExpr) -> bool:
    """Tell whether `expr` is a constant in Kusto's sense: it reads no column and no dynamic member.

    NOTE: Kusto.Language also takes a column for some parameters that kqlite declares
    constant, because their implementations need one value: `extract`'s capture group,
    `countof`'s search text, and the options of the series functions and `make_list`.
    """
    if isinstance(expr, (b.BoundLiteral, b.BoundScalarQuery)):
        return True
    if isinstance(expr, b.BoundCall):
        return not expr.function.window and all(is_constant(arg) for arg in expr.args)
    return all(is_constant(part) for part in _operands(expr)) if _operands(expr) is not None else False


def fold_constant(expr: b.BoundExpr) -> b.BoundExpr:
    """Evaluate a constant expression at bind time, so the function receives one value.

    A literal comes back unchanged. An expression with a volatile function (``now()``), a
    subquery, or one whose evaluation fails also comes back unchanged: it is evaluated where
    the query runs, which reports the failure.
    """
    if isinstance(expr, b.BoundLiteral) or not _is_foldable(expr):
        return expr

    from kqlite.errors import KqlError
    from kqlite.executor.expressions import Evaluator
    from kqlite.functions.values import python_value

    def no_subquery(query: b.BoundTabular) -> pd.DataFrame:
        raise TypeError("a folded constant has no subquery")

    evaluator = Evaluator(pd.DataFrame(index=range(1)), pd.Timestamp(0), no_subquery, length=1)
    try:
        value = evaluator.evaluate(expr)
    except KqlError:
        return expr
    except Exception:  # noqa: BLE001 - an ill-typed call, already reported, may fail in any way
        return expr
    if isinstance(value, pd.Series):
        value = value.iloc[0] if len(value) else None
    return b.BoundLiteral(value=python_value(value), kql_type=expr.kql_type, span=expr.span)


def fits_parameter(function_name: str, param: Param, arg: b.BoundExpr) -> str | None:
    """Check that `arg` fits `param` of `function_name`; return why not, or None when it fits."""
    key = (function_name, param.name)
    if param.types is None:
        if arg.kql_type in UNTYPED_EXCLUSIONS.get(key, ()):
            return f"a value of type {arg.kql_type} is not allowed here"
        return None
    if key in CONVERTED_TO_STRING_PARAMETERS:
        return None

    if arg.kql_type is DYNAMIC:
        return _dynamic_fits(key, param.types, dynamic_shape(arg))

    if arg.kql_type not in accepted_types(key, param.types):
        names = " or ".join(str(t) for t in param.types)
        return f"the expression must have one of the types: {names}"
    return None


def call_problem(function_name: str, args: tuple[b.BoundExpr, ...]) -> str | None:
    """Check the rules that span a call's arguments; return why the call is invalid, or None."""
    if function_name in PAIRED_ARGUMENTS and len(args) % 2:
        return f"the function '{function_name}' expects its arguments in key and value pairs"

    if function_name in NO_DYNAMIC_MIXING:
        dynamic = [arg.kql_type is DYNAMIC for arg in args]
        if any(dynamic) and not all(dynamic):
            return f"the arguments of '{function_name}' must be all dynamic or none"
    return None


def accepted_types(key: tuple[str, str], declared: tuple[KqlType, ...]) -> set[KqlType]:
    """Return the non-dynamic types a parameter declared with `declared` takes."""
    accepted = set(declared)
    if accepted & set(NUMERIC_TYPES):
        # Integers widen to any number, but real and decimal fit only a fractional parameter.
        accepted |= {INT, LONG}
        if REAL in declared or DECIMAL in declared:
            accepted |= {REAL, DECIMAL}
        if key in REAL_NOT_DECIMAL_PARAMETERS:
            accepted.discard(DECIMAL)
    return accepted


def convert_argument(function_name: str, param: Param, arg: b.BoundExpr) -> b.BoundExpr:
    """Wrap `arg` in `tostring` where the parameter converts any value to a string."""
    if (function_name, param.name) not in CONVERTED_TO_STRING_PARAMETERS or arg.kql_type is STRING:
        return arg
    tostring = SCALARS["tostring"]
    return b.BoundCall(kql_type=STRING, span=arg.span, function=tostring, args=(arg,))


def _dynamic_fits(key: tuple[str, str], declared: tuple[KqlType, ...], shape: str | None) -> str | None:
    if key in ANY_DYNAMIC_PARAMETERS:
        return None
    if DYNAMIC in declared:
        expected_shape = BAG if key in BAG_PARAMETERS else ARRAY
        if shape is None or shape == expected_shape:
            return None
        return f"the expression must be a dynamic {expected_shape}"
    if STRING in declared and shape is None:
        return None
    names = " or ".join(str(t) for t in declared)
    return f"a value of type {names} expected, not dynamic"


def _operands(expr: b.BoundExpr) -> tuple[b.BoundExpr, ...] | None:
    """Return the sub-expressions of an operator expression, or None for anything else."""
    if isinstance(expr, b.BoundBinary):
        return (expr.left, expr.right)
    if isinstance(expr, b.BoundUnary):
        return (expr.operand,)
    if isinstance(expr, b.BoundBetween):
        return (expr.operand, expr.low, expr.high)
    if isinstance(expr, b.BoundIn) and expr.subquery is None:
        return (expr.operand, *expr.items)
    return None


def _is_foldable(expr: b.BoundExpr) -> bool:
    if isinstance(expr, b.BoundLiteral):
        return True
    if isinstance(expr, b.BoundCall):
        if expr.function.window or expr.function.name in VOLATILE_FUNCTIONS:
            return False
        return all(_is_foldable(arg) for arg in expr.args)
    operands = _operands(expr)
    return operands is not None and all(_is_foldable(part) for part in operands)
