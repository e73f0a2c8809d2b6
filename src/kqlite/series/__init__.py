"""Time-series kernels: numpy functions over 2-D blocks, one row per series.

`blocks` converts dynamic columns to blocks and back; the other modules hold the
kernels that `kqlite.functions.series` registers as KQL's series_* functions.
"""
