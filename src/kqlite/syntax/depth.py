"""Reject a query nested too deeply, as Kusto does with KS245.

The builder, the binder and the executor walk the syntax tree recursively, so a query
nested a few hundred levels deep would exceed Python's recursion limit. The parser
checks the parse tree's depth first and raises a syntax error instead.
"""

from __future__ import annotations

from lark import Token, Tree

from kqlite.errors import KqlSyntaxError, Span

# NOTE: Kusto's own limit is not documented. Kusto rejects 600 nested parentheses, and this
# limit is kqlite's choice: deep enough for any hand-written query, and shallow enough that
# the binder and the executor stay well inside Python's default recursion limit of 1000.
MAX_SYNTAX_DEPTH = 300

# Rules whose children lie flat in the parse tree but nest in Kusto's syntax tree. An
# operator chain `a + b + c` (operand, operator, operand, ...) groups left to right. Each
# operator of a pipeline takes the pipeline before it as its input.
_CHILDREN_PER_LEVEL = {"chain": 2, "pipeline": 1}


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

        children_per_level = _CHILDREN_PER_LEVEL.get(str(node.data))
        for index, child in enumerate(node.children):
            if isinstance(child, Tree):
                chained = index // children_per_level if children_per_level else 0
                stack.append((child, depth + 1 + chained))


def _node_span(node: Tree[Token], text: str) -> Span:
    if node.meta.empty:
        return Span(0, len(text))
    return Span(node.meta.start_pos, node.meta.end_pos)
