"""Build and combine table frames while keeping kqlite's column representations."""

from __future__ import annotations

import pandas as pd
from pandas.api.types import union_categoricals

from kqlite.table import Columns
from kqlite.types import PANDAS_DTYPES, KqlType, empty_series


def empty_frame(columns: Columns) -> pd.DataFrame:
    """Return a frame with no rows and the columns of `columns`."""
    return pd.DataFrame({name: empty_series(kql_type) for name, kql_type in columns})


def concat_frames(columns: Columns, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack frames that share `columns`, keeping string columns dictionary-encoded where all parts are."""
    parts = [frame for frame in frames if len(frame)]
    if not parts:
        return empty_frame(columns)
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)

    data: dict[str, pd.Series] = {}
    for name, kql_type in columns:
        pieces = [frame[name] for frame in parts]
        if kql_type is KqlType.STRING:
            data[name] = _concat_strings(pieces)
        else:
            data[name] = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(data, copy=False)


def _concat_strings(pieces: list[pd.Series]) -> pd.Series:
    if all(isinstance(piece.dtype, pd.CategoricalDtype) for piece in pieces):
        # pd.concat would fall back to object dtype when the categories differ.
        return pd.Series(union_categoricals(pieces, ignore_order=True))
    plain = [piece.astype(PANDAS_DTYPES[KqlType.STRING]) for piece in pieces]
    return pd.concat(plain, ignore_index=True)
