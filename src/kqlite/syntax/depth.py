"""Reject a query nested too deeply, as Kusto does with KS245.

Kusto.Language refuses to analyze a query whose syntax tree is deeper than a fixed
limit. The parser measures the parse tree the way that syntax tree nests and raises
the same error.
"""

from __future__ import annotations

from lark import Token, Tree

from kqlite.errors import KqlSyntaxError, Span
from kqlite.syntax.builder import operator_precedence

# NOTE: Kusto's limit is not documented. Measured with Kusto.Language 12.4.1, it accepts 492
# nested parentheses, a chain of 492 `+` or 492 `or` terms and 490 pipeline operators
# after `print`, and rejects one more of each. With this limit kqlite matches the first
# two, stops one term short on `x == i or ...` (491) and accepts one more pipeline
# operator (491). Kusto counts a function call as
# about four levels and kqlite as two, so kqlite accepts nested calls twice as deep. The
# binder, optimizer and executor walk chains and pipelines in loops, so the limit is
# Kusto's rule rather than a guard against Python's recursion limit.
MAX_SYNTAX_DEPTH = 498


def check_depth(tree: Tree[Token], text: str) -> None:
    """Raise KqlSyntaxError KS245 when `tree` nests deeper than MAX_SYNTAX_DEPTH levels."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SYNTAX_DEPTH:
            raise KqlSyntaxError(
                "KS245",
                f"the query is nested too deeply: more than {MAX_SYNTAX_DEPTH} levels of parentheses, "
                "function calls, dynamic values, operators or pipeline operators",
                _node_span(node, text),
                hint="split the query with 'let' statements, or use 'in (...)' in place of a long 'or' chain",
            )

        if node.data == "chain":
            levels = _chain_levels(node.children)
        elif node.data == "pipeline":
            # Each operator of a pipeline takes the pipeline before it as its input.
            levels = list(range(len(node.children)))
        else:
            levels = [0] * len(node.children)
        for child, level in zip(node.children, levels, strict=True):
            if isinstance(child, Tree):
                stack.append((child, depth + 1 + level))


def _chain_levels(children: list[Tree[Token] | Token]) -> list[int]:
    """Return how many operators lie above each child of `operand (operator operand)*`.

    The builder groups the chain by precedence, so `x == 0 or x == 1 or ...` nests one
    level per `or` and one more for each `==`, as Kusto's syntax tree does.
    """
    # Group the operands as the builder does, recording each group's members.
    members: list[list[int]] = [[0]]
    pending: list[tuple[int, int]] = []  # (operator position, precedence)
    groups: list[tuple[int, list[int], list[int]]] = []  # (operator, left, right)

    def reduce() -> None:
        position, _ = pending.pop()
        right = members.pop()
        left = members.pop()
        groups.append((position, left, right))
        members.append([-len(groups)])  # a negative entry names a group

    for position in range(1, len(children), 2):
        precedence = operator_precedence(children[position])
        while pending and pending[-1][1] >= precedence:
            reduce()
        pending.append((position, precedence))
        members.append([position + 1])
    while pending:
        reduce()

    # Walk the groups from the outermost down, counting levels.
    levels = [0] * len(children)
    stack = [(members[0][0], 0)]
    while stack:
        entry, level = stack.pop()
        if entry >= 0:
            levels[entry] = level
            continue
        position, left, right = groups[-entry - 1]
        levels[position] = level
        stack.extend((member, level + 1) for member in left + right)
    return levels


def _node_span(node: Tree[Token], text: str) -> Span:
    if node.meta.empty:
        return Span(0, len(text))
    return Span(node.meta.start_pos, node.meta.end_pos)
