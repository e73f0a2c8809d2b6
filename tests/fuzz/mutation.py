"""Mutations of real queries: the mistakes and odd text that people paste.

`tokens` splits a query into rough KQL tokens (strings, names, numbers, punctuation,
and whitespace with comments), and `mutate` applies one to three edits: a deleted, duplicated or swapped
token, an operator replaced by another, text cut off, odd whitespace or Unicode
inserted, an extreme number, or an unbalanced quote or bracket.
"""

from __future__ import annotations

import re

from fuzz.choosers import Chooser

TOKEN = re.compile(
    r"""
      (?P<space>\s+|//[^\n]*)
    | (?P<string>@?'(?:[^'\\\n]|\\.)*'|@?"(?:[^"\\\n]|\\.)*"|```.*?```)
    | (?P<number>\d+(?:\.\d+)?(?:e[+-]?\d+)?[a-z]*)
    | (?P<name>[A-Za-z_$][\w\-]*(?:\.[A-Za-z_]\w*)*)
    | (?P<operator>==|!=|<=|>=|=~|!~|\.\.|<\||[-+*/%<>=!|,;:()\[\]{}.])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

OPERATOR_SWAPS = ("==", "!=", "=", "<", ">", "<=", ">=", "=~", "+", "-", "*", "/", "%", "and", "or", "|", ",", ";",
                  "..", "in", "!in", "has", "contains", "between", "by", "on", "with", "to", "of", "=>")
KEYWORDS = ("where", "extend", "project", "summarize", "take", "let", "by", "on", "join", "kind=inner", "datatable",
            "print", "null", "dynamic", "typeof", "render", "mv-expand", "top", "asc", "desc", "not", "set",
            "materialize", "toscalar", "range", "step", "from", "lookup", "evaluate", "$left", "$right", "count",
            "union", "*", "()", "[]", "{}", "''", '""', "\\", "//", "#", "@", "`")
ODD_TEXT = ("\t", "\r\n", "\u00a0", "\u200b", "\u2028", "\ufeff", "\u3000", "  \n\n  ", "\x00", "\u00e9", "\u0301",
            "\U0001f600", "\uff5c", "\u2013", "\u201c", "\u2019", "\u0130", "\u00df", "// comment\n", "\x0b", "\x1f")
EXTREME_NUMBERS = ("0", "-0", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e308",
                   "1e400", "0.000000000000000000001", "2147483648", "007", "1.", "0x", "0xFFFFFFFFFFFFFFFFF", "1e",
                   "99999999999999999999999")


def tokens(text: str) -> list[tuple[str, str]]:
    """Split `text` into (kind, text) tokens; their texts join back to `text`."""
    return [(match.lastgroup or "other", match.group()) for match in TOKEN.finditer(text)]


def mutate(text: str, choose: Chooser) -> str:
    """Apply one to three random edits to `text`."""
    for _ in range(choose.integer(1, 3)):
        text = _edit(text, choose)
    return text


def _edit(text: str, choose: Chooser) -> str:
    parts = tokens(text)
    if not parts:
        return choose.choice(KEYWORDS)
    solid = [index for index, (kind, _) in enumerate(parts) if kind != "space"] or [0]
    index = choose.choice(solid)
    kind, token = parts[index]
    texts = [part for _, part in parts]

    edit = choose.choice(("delete", "duplicate", "swap", "operator", "keyword", "cut", "odd", "number",
                          "quote", "case", "bracket"))
    if edit == "delete":
        texts[index] = ""
    elif edit == "duplicate":
        texts[index] = token + choose.choice((" ", "", "\n")) + token
    elif edit == "swap":
        other = choose.choice(solid)
        texts[index], texts[other] = texts[other], texts[index]
    elif edit == "operator":
        operators = [i for i, (k, _) in enumerate(parts) if k == "operator" or parts[i][1] in OPERATOR_SWAPS]
        target = choose.choice(operators) if operators else index
        texts[target] = choose.choice(OPERATOR_SWAPS)
    elif edit == "keyword":
        texts[index] = token + " " + choose.choice(KEYWORDS) + " "
    elif edit == "cut":
        return text[: choose.integer(0, len(text))]
    elif edit == "odd":
        position = choose.integer(0, len(text))
        return text[:position] + choose.choice(ODD_TEXT) + text[position:]
    elif edit == "number":
        numbers = [i for i, (k, _) in enumerate(parts) if k == "number"]
        texts[choose.choice(numbers) if numbers else index] = choose.choice(EXTREME_NUMBERS)
    elif edit == "quote":
        texts[index] = token + choose.choice(("'", '"', "```", "@'", "h'"))
    elif edit == "case":
        texts[index] = token.upper() if choose.chance(0.5) else token.capitalize()
    else:
        texts[index] = choose.choice(("(", ")", "[", "]", "{", "}", "((", "))")) + token
    return "".join(texts)
