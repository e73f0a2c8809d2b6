"""Hints for frequent slips in KQL text, added to syntax errors.

`slip_hint` looks at the place where parsing failed (the text, the offset of the token
that did not fit, its spelling and the spellings the parser expected there) and names
the likely slip: a missing '|', '=' used to compare, a trailing comma, a `let` without
its ';', a week unit, `&&` for `and`, `not x` for `not(x)`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

# Every tabular operator of KQL (the "Tabular operators" section of the KQL reference).
KQL_OPERATORS = frozenset(
    {
        "as", "consume", "count", "datatable", "distinct", "evaluate", "extend", "externaldata",
        "facet", "filter", "find", "fork", "getschema", "graph-match", "graph-merge",
        "graph-to-table", "invoke", "join", "limit", "lookup", "macro-expand", "make-graph",
        "make-series", "mv-apply", "mv-expand", "mvapply", "mvexpand", "order", "parse",
        "parse-kv", "parse-where", "partition", "print", "project", "project-away",
        "project-keep", "project-rename", "project-reorder", "range", "reduce", "render",
        "sample", "sample-distinct", "scan", "search", "serialize", "sort", "summarize", "take",
        "top", "top-hitters", "top-nested", "union", "where",
    }
)

# The operators that kqlite's grammar accepts after '|'.
PARSED_OPERATORS = frozenset(
    {
        "as", "count", "distinct", "evaluate", "extend", "filter", "getschema", "join", "limit",
        "lookup", "make-series", "mv-apply", "mv-expand", "mvapply", "mvexpand", "order", "parse", "parse-where", "project", "project-away",
        "project-keep", "project-rename", "project-reorder", "render", "sample", "sample-distinct",
        "serialize", "sort", "summarize", "take", "top", "top-nested", "union", "where",
    }
)

_WEEK = re.compile(r"[0-9](w|wk|wks|week|weeks)$")
# `1w` and `2weeks` lex as names, because a name may start with digits; `1.5w` does not.
_WEEK_NAME = re.compile(r"[0-9]+(w|wk|wks|week|weeks)")
WEEK_HINT = "KQL has no week unit: write 7d for one week"


def unknown_name_hint(name: str) -> str | None:
    """Return the hint for an unknown name that is a number with a week unit, such as `1w`, or None."""
    return WEEK_HINT if _WEEK_NAME.fullmatch(name) else None


def suggest_operator(word: str) -> str | None:
    """Return "did you mean ...?" for a misspelt operator name, or None."""
    matches = difflib.get_close_matches(word.lower(), sorted(PARSED_OPERATORS), n=1)
    return f"did you mean '{matches[0]}'?" if matches else None


def slip_hint(text: str, offset: int, found: str, expected: frozenset[str]) -> str | None:
    """Return a hint for the slip that most likely caused a syntax error, or None.

    `found` is the text of the token that did not fit (empty at the end of the text) and
    `expected` contains the spellings the parser could accept there, such as ``'|'``.
    """
    before = text[:offset].rstrip()
    previous_word = re.search(r"([A-Za-z_]\w*)\s*$", before)

    if found == "." and not before:
        return "control commands (text starting with '.') run as commands, not inside a query"

    if found in PARSED_OPERATORS and "'|'" in expected:
        return f"add '|' before '{found}': each query operator follows a '|'"

    if found == "=":
        return "use '==' to compare two values; '=' gives a name to a column"

    if before.endswith(",") and found in ("|", ";", ")", "by", "on", ""):
        return "remove the trailing ','"

    # After a comma, `by` reads as a column name, so the error comes one word later.
    if re.search(r",\s*by$", before):
        return "remove the trailing ',' before 'by'"

    if found == "|" and before.endswith("|"):
        return "use 'or' to combine conditions; '||' is not KQL"

    if found in ("w", "wk", "wks", "week", "weeks") and _WEEK.search(text[: offset + len(found)]):
        return WEEK_HINT

    if previous_word is not None and previous_word.group(1) == "not" and found not in ("(", ""):
        return "not is a function in KQL: write not(condition)"

    if "';'" in expected and _statement_text(text, offset).startswith("let"):
        return "end the let statement with ';' before the next statement"

    return None


def character_hint(character: str) -> str | None:
    """Return a hint for a character that no KQL token starts with, or None.

    Besides KQL's own slips, it names the typographic characters that word processors,
    web pages and chat programs put in pasted text, and the ASCII character to use.
    """
    if character == "&":
        return "use 'and' to combine conditions; '&&' is not KQL"
    if character in "'\"":
        return "the string is not closed: end it with the same quote on the same line"
    if character == "`":
        return "a multi-line string starts and ends with ```"
    if character in _LOOKALIKES:
        name, replacement = _LOOKALIKES[character]
        return f"{name} ({_code_point(character)}): use {replacement}"
    if character in _INVISIBLE:
        return f"{_INVISIBLE[character]} ({_code_point(character)}): delete it"
    if unicodedata.category(character) == "Zs":
        return f"{unicodedata.name(character, 'space').lower()} ({_code_point(character)}): use a normal space"
    if 0xDC80 <= ord(character) <= 0xDCFF:
        # Python decodes a byte that is not valid UTF-8 as a lone surrogate U+DC80..U+DCFF.
        return f"the byte 0x{ord(character) - 0xDC00:02X} is not UTF-8 text: save the text as UTF-8"
    if unicodedata.category(character) == "Cc":
        return f"control character {_code_point(character)}: delete it"
    if not character.isprintable():
        return f"invisible character {_code_point(character)}: delete it"
    return None


_CURLY_QUOTE = ("curly quote", "' or \"")

# Typographic characters that look like a KQL character: (name, what to type instead).
_LOOKALIKES: dict[str, tuple[str, str]] = {
    "\u2018": _CURLY_QUOTE,  # left single quotation mark
    "\u2019": _CURLY_QUOTE,  # right single quotation mark
    "\u201a": _CURLY_QUOTE,  # single low-9 quotation mark
    "\u201b": _CURLY_QUOTE,  # single high-reversed-9 quotation mark
    "\u201c": _CURLY_QUOTE,  # left double quotation mark
    "\u201d": _CURLY_QUOTE,  # right double quotation mark
    "\u201e": _CURLY_QUOTE,  # double low-9 quotation mark
    "\u201f": _CURLY_QUOTE,  # double high-reversed-9 quotation mark
    "\u2032": ("prime", "'"),
    "\u2033": ("double prime", '"'),
    "\u00ab": ("guillemet", '"'),
    "\u00bb": ("guillemet", '"'),
    "\u00b4": ("acute accent", "'"),
    "\u2010": ("hyphen", "- (hyphen-minus)"),
    "\u2011": ("non-breaking hyphen", "- (hyphen-minus)"),
    "\u2012": ("figure dash", "- (hyphen-minus)"),
    "\u2013": ("en dash", "- (hyphen-minus)"),
    "\u2014": ("em dash", "- (hyphen-minus)"),
    "\u2015": ("horizontal bar", "- (hyphen-minus)"),
    "\u2212": ("minus sign", "- (hyphen-minus)"),
    "\u00d7": ("multiplication sign", "*"),
    "\u00f7": ("division sign", "/"),
    "\u2260": ("not-equal sign", "!="),
    "\u2264": ("less-than-or-equal sign", "<="),
    "\u2265": ("greater-than-or-equal sign", ">="),
    "\u2026": ("ellipsis", "three dots '...' or remove it"),
    "\uff5c": ("full-width vertical line", "|"),
    "\u2502": ("box-drawing line", "|"),
    "\uff08": ("full-width parenthesis", "("),
    "\uff09": ("full-width parenthesis", ")"),
    "\uff0c": ("full-width comma", ","),
    "\uff1b": ("full-width semicolon", ";"),
    "\uff1d": ("full-width equals sign", "="),
}

# Characters that show as nothing at all; the fix is to delete them.
_INVISIBLE: dict[str, str] = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "byte-order mark",
    "\u00ad": "soft hyphen",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u202a": "bidirectional text control",
    "\u202b": "bidirectional text control",
    "\u202c": "bidirectional text control",
    "\u202d": "bidirectional text control",
    "\u202e": "bidirectional text control",
    "\u2066": "bidirectional text control",
    "\u2067": "bidirectional text control",
    "\u2068": "bidirectional text control",
    "\u2069": "bidirectional text control",
}


def _code_point(character: str) -> str:
    return f"U+{ord(character):04X}"


def _statement_text(text: str, offset: int) -> str:
    """Return the statement around `offset`: the text after the last ';' before it."""
    start = text.rfind(";", 0, offset) + 1
    lines = [line for line in text[start:offset].splitlines() if not line.lstrip().startswith("//")]
    return "\n".join(lines).strip()
