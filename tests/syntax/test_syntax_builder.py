"""The syntax nodes the builder makes for each construct, and their spans."""

from __future__ import annotations

import pandas as pd
import pytest

from kqlite.errors import KqlSyntaxError, Span
from kqlite.syntax import nodes
from kqlite.syntax.parser import parse
from kqlite.types import DATETIME, DYNAMIC, INT, LONG, REAL, STRING, TIMESPAN


def query(text: str) -> nodes.Pipeline | nodes.Expr:
    """Parse a text of one tabular statement and return its expression."""
    (statement,) = parse(text).statements
    assert isinstance(statement, nodes.Query)
    return statement.expr


def operators(text: str) -> tuple[nodes.Operator, ...]:
    pipeline = query(text)
    assert isinstance(pipeline, nodes.Pipeline)
    return pipeline.operators


def only_operator(text: str) -> nodes.Operator:
    (operator,) = operators(text)
    return operator


def printed(text: str) -> nodes.Expr:
    """Return the expression of `print <text>`."""
    pipeline = query(f"print {text}")
    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(pipeline.source, nodes.Print)
    (item,) = pipeline.source.items
    return item.expr


def text_of(source: str, span: Span) -> str:
    return source[span.start : span.end]


# -- spans -------------------------------------------------------------------------------


def test_where_spans() -> None:
    source = "T | where x > 1"
    pipeline = query(source)

    assert isinstance(pipeline, nodes.Pipeline)
    assert pipeline.span == Span(0, len(source))
    assert isinstance(pipeline.source, nodes.TableRef)
    assert text_of(source, pipeline.source.span) == "T"
    (where,) = pipeline.operators
    assert isinstance(where, nodes.Where)
    assert text_of(source, where.span) == "where x > 1"
    assert text_of(source, where.predicate.span) == "x > 1"


def test_call_and_argument_spans() -> None:
    source = "T | summarize  Total = sum(Bytes) by bin(Time, 1h)"
    summarize = only_operator(source)

    assert isinstance(summarize, nodes.Summarize)
    (total,) = summarize.aggregates
    assert text_of(source, total.span) == "Total = sum(Bytes)"
    assert text_of(source, total.expr.span) == "sum(Bytes)"
    (by,) = summarize.by
    assert isinstance(by.expr, nodes.Call)
    assert text_of(source, by.expr.args[1].span) == "1h"


def test_multi_line_spans() -> None:
    source = "T\n| where a == 1\n| extend  b = a * 2"
    where, extend = operators(source)

    assert text_of(source, where.span) == "where a == 1"
    assert text_of(source, extend.span) == "extend  b = a * 2"


def test_bracket_name_span_covers_brackets() -> None:
    source = "print ['my col'] + 1"
    expr = printed("['my col'] + 1")

    assert isinstance(expr, nodes.Binary)
    assert isinstance(expr.left, nodes.NameRef)
    assert expr.left.name == "my col"
    assert text_of(source, expr.left.span) == "['my col']"


# -- statements --------------------------------------------------------------------------


def test_let_scalar_and_tabular() -> None:
    scalar, tabular, statement = parse("let n = 5; let R = T | take n; R").statements

    assert isinstance(scalar, nodes.Let)
    assert isinstance(scalar.value, nodes.Literal)
    assert isinstance(tabular, nodes.Let)
    assert isinstance(tabular.value, nodes.Pipeline)
    assert isinstance(statement, nodes.Query)
    assert statement.expr == nodes.NameRef(span=Span(31, 32), name="R")


def test_let_function_parameters() -> None:
    let, _ = parse("let f = (T:(a:long, b:string), U:(*), n:long, s:string = 'x') { T | take n }; f(T, U, 1)").statements

    assert isinstance(let, nodes.Let)
    assert isinstance(let.value, nodes.FunctionDef)
    tabular, any_table, number, text = let.value.params
    assert tabular.table_schema == (("a", LONG), ("b", STRING))
    assert any_table.any_schema
    assert any_table.table_schema == ()
    assert number.kql_type is LONG
    assert number.default is None
    assert text.kql_type is STRING
    assert text.default is not None
    assert isinstance(text.default, nodes.Literal)
    assert text.default.value == "x"
    (body,) = let.value.body
    assert isinstance(body, nodes.Query)
    assert isinstance(body.expr, nodes.Pipeline)


def test_function_body_with_lets() -> None:
    let, _ = parse("let f = () { let y = 2; print y }; f()").statements

    assert isinstance(let.value, nodes.FunctionDef)
    assert [type(statement).__name__ for statement in let.value.body] == ["Let", "Query"]
    assert let.value.params == ()


def test_view() -> None:
    let, _ = parse("let v = view () { print 1 }; v").statements

    assert isinstance(let.value, nodes.FunctionDef)
    assert let.value.is_view


def test_set_statements() -> None:
    flag, valued, _ = parse("set notruncation; set truncationmaxrecords = 100; T").statements

    assert flag == nodes.SetOption(span=Span(0, 16), name="notruncation", value=True)
    assert isinstance(valued, nodes.SetOption)
    assert valued.value == 100


def test_bare_name_statement_is_a_name() -> None:
    assert query("T") == nodes.NameRef(span=Span(0, 1), name="T")


def test_source_operator_alone_is_a_pipeline() -> None:
    pipeline = query("print 1")

    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(pipeline.source, nodes.Print)
    assert pipeline.operators == ()


# -- scalar expressions ------------------------------------------------------------------


def test_precedence() -> None:
    expr = printed("a or b and c == d + e * f")

    assert isinstance(expr, nodes.Binary)
    assert expr.op == "or"
    assert isinstance(expr.right, nodes.Binary)
    assert expr.right.op == "and"
    equality = expr.right.right
    assert isinstance(equality, nodes.Binary)
    assert equality.op == "=="
    assert isinstance(equality.right, nodes.Binary)
    assert equality.right.op == "+"
    assert isinstance(equality.right.right, nodes.Binary)
    assert equality.right.right.op == "*"


def test_left_associative() -> None:
    expr = printed("a - b - c")

    assert isinstance(expr, nodes.Binary)
    assert expr.op == "-"
    assert isinstance(expr.left, nodes.Binary)
    assert expr.left.op == "-"
    assert expr.right == nodes.NameRef(span=Span(14, 15), name="c")


def test_relational_binds_tighter_than_equality() -> None:
    expr = printed("a < b == c")

    assert isinstance(expr, nodes.Binary)
    assert expr.op == "=="
    assert isinstance(expr.left, nodes.Binary)
    assert expr.left.op == "<"


@pytest.mark.parametrize(
    "op",
    [
        "==", "!=", "=~", "!~", "contains", "!contains", "contains_cs", "!contains_cs", "has", "!has",
        "has_cs", "!has_cs", "hasprefix", "!hasprefix", "hasprefix_cs", "!hasprefix_cs", "hassuffix",
        "!hassuffix", "hassuffix_cs", "!hassuffix_cs", "startswith", "!startswith", "startswith_cs",
        "!startswith_cs", "endswith", "!endswith", "endswith_cs", "!endswith_cs", "matches regex",
        "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or",
    ],
)
def test_binary_operator_spelling(op: str) -> None:
    expr = printed(f"a {op} b")

    assert isinstance(expr, nodes.Binary)
    assert expr.op == op


def test_not_equal_alias() -> None:
    expr = printed("a <> b")

    assert isinstance(expr, nodes.Binary)
    assert expr.op == "!="


@pytest.mark.parametrize("op", ["in", "!in", "in~", "!in~", "has_any", "has_all"])
def test_in_list(op: str) -> None:
    expr = printed(f"x {op} ('a', 'b')")

    assert isinstance(expr, nodes.InList)
    assert expr.op == op
    assert [item.value for item in expr.items] == ["a", "b"]  # type: ignore[union-attr]


def test_in_subquery_gives_pipeline() -> None:
    expr = printed("x in (T | project c)")

    assert isinstance(expr, nodes.InList)
    (item,) = expr.items
    assert isinstance(item, nodes.Pipeline)
    assert isinstance(item.operators[0], nodes.Project)


def test_between() -> None:
    expr = printed("x between (1 .. 10)")
    negated = printed("x !between (1d..2d)")

    assert isinstance(expr, nodes.Between)
    assert not expr.negated
    assert expr.low.value == 1  # type: ignore[attr-defined]
    assert expr.high.value == 10  # type: ignore[attr-defined]
    assert isinstance(negated, nodes.Between)
    assert negated.negated
    assert negated.high.value == pd.Timedelta(days=2)  # type: ignore[attr-defined]


def test_member_and_index() -> None:
    expr = printed("d.a['b'][-1]")

    assert isinstance(expr, nodes.Index)
    assert expr.index == nodes.Literal(span=Span(15, 17), value=-1, kql_type=LONG)
    inner = expr.target
    assert isinstance(inner, nodes.Index)
    assert isinstance(inner.target, nodes.Member)
    assert inner.target.member == "a"


def test_sign_folds_into_literal() -> None:
    assert printed("-1") == nodes.Literal(span=Span(6, 8), value=-1, kql_type=LONG)
    assert printed("-1.5") == nodes.Literal(span=Span(6, 10), value=-1.5, kql_type=REAL)
    assert printed("-1d") == nodes.Literal(span=Span(6, 9), value=-pd.Timedelta(days=1), kql_type=TIMESPAN)
    negated = printed("-x")
    assert isinstance(negated, nodes.Unary)
    assert negated.op == "-"


def test_call_with_named_argument_and_star() -> None:
    call = printed("f(a, b = 1, *)")

    assert isinstance(call, nodes.Call)
    assert call.name == "f"
    first, named, star = call.args
    assert isinstance(first, nodes.NameRef)
    assert isinstance(named, nodes.NamedArg)
    assert named.name == "b"
    assert isinstance(star, nodes.Star)


def test_not_is_a_call() -> None:
    call = printed("not(x)")

    assert isinstance(call, nodes.Call)
    assert call.name == "not"


def test_typeof() -> None:
    assert printed("typeof(int)") == nodes.TypeOf(span=Span(6, 17), kql_type=INT)


def test_datetime_empty_is_now() -> None:
    assert printed("datetime()") == nodes.Call(span=Span(6, 16), name="now", args=())


# -- column lists --------------------------------------------------------------------------


def test_column_expr_names() -> None:
    extend = only_operator("T | extend a = 1, b, (c, d) = f(x), (e) = g(x)")

    assert isinstance(extend, nodes.Extend)
    named, bare, pair, single = extend.items
    assert named.names == ("a",)
    assert not named.is_tuple
    assert bare.names == ()
    assert isinstance(bare.expr, nodes.NameRef)
    assert pair.names == ("c", "d")
    assert pair.is_tuple
    assert single.names == ("e",)
    assert single.is_tuple


def test_parenthesized_name_is_an_expression() -> None:
    project = only_operator("T | project (a)")

    assert isinstance(project, nodes.Project)
    assert project.items[0].names == ()  # type: ignore[attr-defined]
    assert project.items[0].expr.name == "a"  # type: ignore[attr-defined]


# -- tabular operators ---------------------------------------------------------------------


def test_take_and_limit() -> None:
    take, limit = operators("T | take 5 | limit 3")

    assert isinstance(take, nodes.Take)
    assert take.count.value == 5  # type: ignore[attr-defined]
    assert isinstance(limit, nodes.Take)
    assert limit.count.value == 3  # type: ignore[attr-defined]


def test_project_family() -> None:
    away, keep, rename, reorder = operators(
        "T | project-away a, b* | project-keep c | project-rename n = a, m = b | project-reorder b, a* asc, c granny-desc"
    )

    assert away == nodes.ProjectAway(span=away.span, names=("a", "b*"))
    assert isinstance(keep, nodes.ProjectKeep)
    assert keep.names == ("c",)
    assert isinstance(rename, nodes.ProjectRename)
    assert rename.renames == (("n", "a"), ("m", "b"))
    assert isinstance(reorder, nodes.ProjectReorder)
    assert reorder.names == (("b", None), ("a*", "asc"), ("c", "granny-desc"))


def test_summarize_options_and_by() -> None:
    summarize = only_operator("T | summarize hint.shufflekey = k count(), s = sum(x) by k, bin(t, 1h)")

    assert isinstance(summarize, nodes.Summarize)
    assert [(option.name, option.value) for option in summarize.options] == [("hint.shufflekey", "k")]
    assert [item.names for item in summarize.aggregates] == [(), ("s",)]
    assert len(summarize.by) == 2


def test_summarize_without_aggregates() -> None:
    summarize = only_operator("T | summarize by k")

    assert isinstance(summarize, nodes.Summarize)
    assert summarize.aggregates == ()
    assert len(summarize.by) == 1


def test_distinct() -> None:
    columns, star = operators("T | distinct a, b | distinct *")

    assert isinstance(columns, nodes.Distinct)
    assert len(columns.items) == 2
    assert not columns.star
    assert isinstance(star, nodes.Distinct)
    assert star.star
    assert star.items == ()


def test_sort_and_top_keys() -> None:
    sort, top = operators("T | sort by a, b asc, c desc nulls first | top 5 by x asc nulls last")

    assert isinstance(sort, nodes.Sort)
    assert [(key.ascending, key.nulls_first) for key in sort.keys] == [(None, None), (True, None), (False, True)]
    assert isinstance(top, nodes.Top)
    assert top.count.value == 5  # type: ignore[attr-defined]
    assert (top.key.ascending, top.key.nulls_first) == (True, False)


def test_join_kind_options_and_keys() -> None:
    join = only_operator(
        "T | join kind=leftouter hint.strategy=broadcast (U | where y > 1) on k, $left.a == $right.b and $right.d == $left.c"
    )

    assert isinstance(join, nodes.Join)
    assert join.kind == "leftouter"
    assert [(option.name, option.value) for option in join.options] == [("hint.strategy", "broadcast")]
    assert isinstance(join.right, nodes.Pipeline)
    assert [(key.left, key.right) for key in join.on] == [("k", "k"), ("a", "b"), ("c", "d")]


def test_join_defaults_and_bare_table() -> None:
    join = only_operator("T | join U on k")

    assert isinstance(join, nodes.Join)
    assert join.kind == "innerunique"
    assert join.options == ()
    assert join.right == nodes.TableRef(span=Span(9, 10), name="U")


def test_invalid_join_condition() -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse("T | join U on a > b")

    assert caught.value.code == "KS182"


def test_lookup() -> None:
    default, inner = operators("T | lookup U on k | lookup kind=inner (U) on $left.a == $right.b")

    assert isinstance(default, nodes.Lookup)
    assert default.kind == "leftouter"
    assert isinstance(inner, nodes.Lookup)
    assert inner.kind == "inner"
    assert inner.right == nodes.TableRef(span=inner.right.span, name="U")
    assert [(key.left, key.right) for key in inner.on] == [("a", "b")]


def test_union_source_and_piped() -> None:
    source = query("union kind=inner withsource=Src isfuzzy=true T, (U | take 1), f(2)")
    piped = only_operator("T | union V")

    assert isinstance(source, nodes.Pipeline)
    assert isinstance(source.source, nodes.Union)
    union = source.source
    assert (union.kind, union.withsource, union.isfuzzy) == ("inner", "Src", True)
    table, pipeline, call = union.tables
    assert table == nodes.TableRef(span=table.span, name="T")
    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(call, nodes.Pipeline)
    assert isinstance(call.source, nodes.Call)
    assert isinstance(piped, nodes.Union)
    assert piped.kind == "outer"


def test_render_properties() -> None:
    render = only_operator("T | render anomalychart with(anomalycolumns=BytesSentAnomaly, BytesSentAnomalyScore, title='t')")

    assert isinstance(render, nodes.Render)
    assert render.visualization == "anomalychart"
    assert render.properties == (("anomalycolumns", ("BytesSentAnomaly", "BytesSentAnomalyScore")), ("title", "t"))


def test_render_single_column_list_and_plain_values() -> None:
    render = only_operator("T | render timechart with (ycolumns=a, kind=stacked, ymin=0, accumulate=true)")

    assert isinstance(render, nodes.Render)
    assert render.properties == (("ycolumns", ("a",)), ("kind", "stacked"), ("ymin", 0), ("accumulate", True))


def test_evaluate() -> None:
    evaluate = only_operator("T | evaluate ipv4_lookup(IpInfo, ClientIP, IpCidr, return_unmatched = true)")

    assert isinstance(evaluate, nodes.Evaluate)
    assert evaluate.plugin.name == "ipv4_lookup"
    table, source_key, lookup_key, named = evaluate.plugin.args
    assert table == nodes.NameRef(span=table.span, name="IpInfo")
    assert isinstance(named, nodes.NamedArg)
    assert named.name == "return_unmatched"


def test_make_series_full() -> None:
    series = only_operator(
        "T | make-series kind=nonempty hint.shufflekey=k s = sum(x) default = 0, avg(y) "
        "on t from datetime(2020-01-01) to datetime(2020-02-01) step 1d by k"
    )

    assert isinstance(series, nodes.MakeSeries)
    assert series.kind == "nonempty"
    assert [option.name for option in series.options] == ["hint.shufflekey"]
    first, second = series.aggregates
    assert first.column.names == ("s",)  # type: ignore[attr-defined]
    assert first.default is not None
    assert first.default.value == 0  # type: ignore[attr-defined]
    assert second.default is None
    assert series.start is not None
    assert series.start.value == pd.Timestamp("2020-01-01")  # type: ignore[attr-defined]
    assert series.end is not None
    assert series.step.value == pd.Timedelta(days=1)  # type: ignore[attr-defined]
    assert not series.in_range
    assert len(series.by) == 1


def test_make_series_in_range() -> None:
    series = only_operator("T | make-series count() on t in range(0, 10, 2)")

    assert isinstance(series, nodes.MakeSeries)
    assert series.in_range
    assert [series.start.value, series.end.value, series.step.value] == [0, 10, 2]  # type: ignore[union-attr]
    assert series.kind is None
    assert series.by == ()


def test_make_series_without_from_to() -> None:
    series = only_operator("T | make-series BytesSent=sum(BytesSent) on Timestamp step window by Info")

    assert isinstance(series, nodes.MakeSeries)
    assert series.start is None
    assert series.end is None
    assert series.step == nodes.NameRef(span=series.step.span, name="window")


def test_mv_expand() -> None:
    expand = only_operator("T | mv-expand kind=array with_itemindex=i x = a to typeof(long), b limit 10")

    assert isinstance(expand, nodes.MvExpand)
    assert expand.kind == "array"
    assert expand.with_itemindex == "i"
    first, second = expand.items
    assert first.column.names == ("x",)
    assert first.to_type is LONG
    assert second.to_type is None
    assert expand.limit is not None
    assert expand.limit.value == 10  # type: ignore[attr-defined]


def test_mv_expand_bagexpansion_is_kind() -> None:
    expand = only_operator("T | mv-expand bagexpansion=bag d")

    assert isinstance(expand, nodes.MvExpand)
    assert expand.kind == "bag"


def test_small_operators() -> None:
    count, as_, schema, serialize, numbered = operators("T | count | as X | getschema | serialize | serialize n = 1")

    assert isinstance(count, nodes.Count)
    assert isinstance(as_, nodes.As)
    assert as_.name == "X"
    assert isinstance(schema, nodes.GetSchema)
    assert isinstance(serialize, nodes.Serialize)
    assert serialize.items == ()
    assert isinstance(numbered, nodes.Serialize)
    assert numbered.items[0].names == ("n",)


# -- sources -------------------------------------------------------------------------------


def test_datatable() -> None:
    pipeline = query("datatable(a:long, ['b c']:string, t:datetime)[1, 'x', datetime(2020-01-01), -2, 'y', datetime(null),]")

    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(pipeline.source, nodes.Datatable)
    table = pipeline.source
    assert table.columns == (("a", LONG), ("b c", STRING), ("t", DATETIME))
    assert [value.value for value in table.values] == [  # type: ignore[attr-defined]
        1, "x", pd.Timestamp("2020-01-01"), -2, "y", None,
    ]


def test_range_source() -> None:
    pipeline = query("range x from 1 to 10 step 2")

    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(pipeline.source, nodes.Range)
    assert pipeline.source.column == "x"
    assert pipeline.source.step.value == 2  # type: ignore[attr-defined]


def test_print_names() -> None:
    pipeline = query("print x = 1, 'a'")

    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(pipeline.source, nodes.Print)
    assert [item.names for item in pipeline.source.items] == [("x",), ()]


def test_parenthesized_pipeline_source() -> None:
    pipeline = query("(T | take 1) | count")

    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(pipeline.source, nodes.Pipeline)
    assert isinstance(pipeline.operators[0], nodes.Count)


def test_function_call_source() -> None:
    pipeline = query("f(1) | take 1")

    assert isinstance(pipeline, nodes.Pipeline)
    assert isinstance(pipeline.source, nodes.Call)


def test_dynamic_literal_node() -> None:
    expr = printed("dynamic({'a': [1, 2]})")

    assert expr == nodes.Literal(span=expr.span, value={"a": [1, 2]}, kql_type=DYNAMIC)


# -- checks the grammar leaves to the builder -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("print (a, b)", "KL140"),
        ("T | extend a + 1 = 2", "KS105"),
        ("print f(1 + 1 = 2)", "KS105"),
        ("1 | take 1", "KS111"),
        ("print 1 + (print 1)", "KL142"),
        ("datatable(a:number)[1]", "KS160"),
        ("let v = view (a:long) { print a }; v", "KL141"),
    ],
)
def test_builder_errors(text: str, code: str) -> None:
    with pytest.raises(KqlSyntaxError) as caught:
        parse(text)

    assert caught.value.code == code
    assert caught.value.span is not None
