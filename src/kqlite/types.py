"""KQL scalar types and how kqlite holds each of them in pandas.

Every column of a kqlite table is a pandas Series whose KQL type is known to the
binder; the dtype alone is not always enough to tell (a ``string`` column may be a
plain ``str`` Series or a ``category`` Series of strings). The mapping:

=========  =================================  ==========================================
KQL type   pandas dtype                       null
=========  =================================  ==========================================
bool       ``boolean`` (masked)               ``pd.NA``
int        ``Int32`` (masked)                 ``pd.NA``
long       ``Int64`` (masked)                 ``pd.NA``
real       ``float64`` (numpy)                ``NaN``
decimal    ``object`` of ``decimal.Decimal``  ``None``
string     ``str``, or ``category`` of str    none: a missing string is ``""``
datetime   ``datetime64[ns]`` (naive, UTC)    ``NaT``
timespan   ``timedelta64[ns]``                ``NaT``
guid       ``object`` of ``uuid.UUID``        ``None``
dynamic    ``object``                         ``None``
=========  =================================  ==========================================

Dynamic values are Python objects: ``None``, ``bool``, ``int``, ``float``, ``str``,
``list``, ``dict``, ``pd.Timestamp``/``pd.Timedelta`` for typed datetimes and
timespans, or a one-dimensional numpy array. Numpy arrays stand for dynamic arrays
of numbers, datetimes (``datetime64[ns]``) or timespans (``timedelta64[ns]``): they
let the series functions work on whole 2-D blocks instead of Python lists. A float
array holds a null element as ``NaN``.

NOTE: ``real`` holds null as NaN, so kqlite cannot tell ``real(null)`` from
``real(nan)``: ``isnull(real(nan))`` is true here and false in Kusto. Datetimes are
held in nanoseconds, so only the years 1678 to 2261 fit, where Kusto allows 1 to 9999.
"""

from __future__ import annotations

import enum

import numpy as np
import pandas as pd


class KqlType(enum.Enum):
    """A KQL scalar type; the value is the canonical KQL name."""

    BOOL = "bool"
    INT = "int"
    LONG = "long"
    REAL = "real"
    DECIMAL = "decimal"
    STRING = "string"
    DATETIME = "datetime"
    TIMESPAN = "timespan"
    GUID = "guid"
    DYNAMIC = "dynamic"

    def __str__(self) -> str:
        return self.value

    @property
    def is_numeric(self) -> bool:
        return self in NUMERIC_TYPES

    @property
    def is_summable(self) -> bool:
        return self in NUMERIC_TYPES or self is KqlType.TIMESPAN


BOOL = KqlType.BOOL
INT = KqlType.INT
LONG = KqlType.LONG
REAL = KqlType.REAL
DECIMAL = KqlType.DECIMAL
STRING = KqlType.STRING
DATETIME = KqlType.DATETIME
TIMESPAN = KqlType.TIMESPAN
GUID = KqlType.GUID
DYNAMIC = KqlType.DYNAMIC

# Numeric promotion order: int < long < real < decimal.
NUMERIC_TYPES = (INT, LONG, REAL, DECIMAL)

# Every spelling Kusto accepts in a schema, a cast or typeof(), mapped to its type.
TYPE_NAMES: dict[str, KqlType] = {
    "bool": BOOL,
    "boolean": BOOL,
    "int": INT,
    "int32": INT,
    "int8": INT,
    "int16": INT,
    "uint": INT,
    "uint8": INT,
    "uint16": INT,
    "uint32": INT,
    "long": LONG,
    "int64": LONG,
    "uint64": LONG,
    "real": REAL,
    "double": REAL,
    "float": REAL,
    "decimal": DECIMAL,
    "string": STRING,
    "datetime": DATETIME,
    "date": DATETIME,
    "timespan": TIMESPAN,
    "time": TIMESPAN,
    "guid": GUID,
    "uuid": GUID,
    "uniqueid": GUID,
    "dynamic": DYNAMIC,
}

# The .NET type names that getschema and `.show table ... schema as json` print.
CLR_NAMES: dict[KqlType, str] = {
    BOOL: "System.SByte",
    INT: "System.Int32",
    LONG: "System.Int64",
    REAL: "System.Double",
    DECIMAL: "System.Data.SqlTypes.SqlDecimal",
    STRING: "System.String",
    DATETIME: "System.DateTime",
    TIMESPAN: "System.TimeSpan",
    GUID: "System.Guid",
    DYNAMIC: "System.Object",
}

PANDAS_DTYPES: dict[KqlType, object] = {
    BOOL: pd.BooleanDtype(),
    INT: pd.Int32Dtype(),
    LONG: pd.Int64Dtype(),
    REAL: np.dtype("float64"),
    DECIMAL: np.dtype("object"),
    STRING: pd.StringDtype(na_value=np.nan),
    DATETIME: np.dtype("datetime64[ns]"),
    TIMESPAN: np.dtype("timedelta64[ns]"),
    GUID: np.dtype("object"),
    DYNAMIC: np.dtype("object"),
}


def parse_type_name(name: str) -> KqlType | None:
    """Return the KQL type a type name stands for, or None if it is not one."""
    return TYPE_NAMES.get(name.lower())


def widest_numeric(*types: KqlType) -> KqlType:
    """Return the widest of numeric types (int < long < real < decimal)."""
    return max(types, key=NUMERIC_TYPES.index)


def empty_series(kql_type: KqlType, length: int = 0) -> pd.Series:
    """Build a Series of `length` nulls (or empty strings) of a KQL type."""
    if kql_type is STRING:
        return pd.Series([""] * length, dtype=PANDAS_DTYPES[STRING])
    if kql_type in (DECIMAL, GUID, DYNAMIC):
        return pd.Series([None] * length, dtype=object)
    return pd.Series([None] * length, dtype=PANDAS_DTYPES[kql_type])


def infer_kql_type(series: pd.Series) -> KqlType:
    """Infer the KQL type of a pandas Series registered from outside kqlite.

    Used by ``Database.register``; columns built by kqlite carry their type from
    the binder instead.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return STRING
    if pd.api.types.is_bool_dtype(dtype):
        return BOOL
    if pd.api.types.is_integer_dtype(dtype):
        return INT if dtype.itemsize <= 4 and dtype.kind == "i" else LONG
    if pd.api.types.is_float_dtype(dtype):
        return REAL
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DATETIME
    if pd.api.types.is_timedelta64_dtype(dtype):
        return TIMESPAN
    if pd.api.types.is_string_dtype(dtype) and dtype != object:
        return STRING
    return _infer_object_type(series)


def _infer_object_type(series: pd.Series) -> KqlType:
    # An object column of plain strings (and missing values) is a string column;
    # anything else is dynamic.
    sample = series.dropna()
    if len(sample) and all(isinstance(value, str) for value in sample.head(1000)):
        return STRING
    return DYNAMIC


def coerce_series(series: pd.Series, kql_type: KqlType) -> pd.Series:
    """Convert a Series to kqlite's representation of `kql_type`.

    Strings keep a categorical representation when they arrive as one; missing
    strings become ``""``.
    """
    if kql_type is STRING:
        if isinstance(series.dtype, pd.CategoricalDtype):
            if series.isna().any():
                series = series.cat.add_categories([""]) if "" not in series.cat.categories else series
                series = series.fillna("")
            return series
        return series.astype(PANDAS_DTYPES[STRING]).fillna("")
    if kql_type is DATETIME:
        converted = pd.to_datetime(series, utc=True, errors="coerce")
        return converted.dt.tz_localize(None).astype("datetime64[ns]")
    if kql_type is TIMESPAN:
        return pd.to_timedelta(series, errors="coerce").astype("timedelta64[ns]")
    if kql_type in (DECIMAL, GUID, DYNAMIC):
        return series.astype(object).where(series.notna(), None)
    return series.astype(PANDAS_DTYPES[kql_type])
