"""Column-name de-duplication for results that merge or repeat names.

KQL keeps the first occurrence of a name and renames each later one by appending the
smallest number that gives a name not used anywhere in the result. Names that occur in
the input are reserved before any renaming, so a later ``c`` next to an existing
``c1`` becomes ``c2``: ``[c, c, c1]`` gives ``[c, c2, c1]``. The binder applies this to
join, lookup and ipv4_lookup (left names, then right names) and to duplicate names
inside one summarize or project (``set_y``, ``set_y1``).
"""

from __future__ import annotations

from collections.abc import Sequence


def unique_names(names: Sequence[str]) -> list[str]:
    """Rename repeated names so that every name of the result is unique.

    >>> unique_names(["set_y", "set_y"])
    ['set_y', 'set_y1']
    >>> unique_names(["c", "c", "c1"])
    ['c', 'c2', 'c1']
    """
    reserved = set(names)
    used: set[str] = set()
    result = []

    for name in names:
        if name in used:
            name = _next_free_name(name, reserved | used)
        used.add(name)
        result.append(name)
    return result


def merge_names(left: Sequence[str], right: Sequence[str]) -> list[str]:
    """Return the merged column names of two inputs: `left` unchanged, then `right` renamed.

    The result has ``len(left) + len(right)`` names; ``result[len(left):]`` are the
    right side's names after renaming.

    >>> merge_names(["Key", "Value1"], ["Key", "Value2"])
    ['Key', 'Value1', 'Key1', 'Value2']
    >>> merge_names(["c"], ["c", "c1"])
    ['c', 'c2', 'c1']
    """
    return unique_names([*left, *right])


def _next_free_name(name: str, taken: set[str]) -> str:
    suffix = 1
    while f"{name}{suffix}" in taken:
        suffix += 1
    return f"{name}{suffix}"
