"""Random scalar expressions for the query generator: literals, columns, operators and calls.

`ExpressionWriter` writes an expression meant to have a given KQL type over the columns
in scope. Function calls come from kqlite's registry with arguments of the declared
parameter types; a small share of choices takes another type on purpose.
"""

from __future__ import annotations

from fuzz.choosers import Chooser
from kqlite.functions import load_all
from kqlite.functions.registry import SCALARS, ScalarFunction
from kqlite.types import KqlType

TYPES = tuple(KqlType)
NUMERIC = (KqlType.INT, KqlType.LONG, KqlType.REAL)

# Share of decisions that pick something of the wrong type on purpose.
WRONG_TYPE_SHARE = 0.06

Columns = list[tuple[str, KqlType]]

load_all()

# Literal texts of every kind and spelling, by KQL type.
LITERALS: dict[KqlType, tuple[str, ...]] = {
    KqlType.BOOL: ("true", "false", "True", "FALSE", "bool(null)", "bool(true)", "bool(1)"),
    KqlType.INT: ("int(3)", "int(-2147483648)", "int(null)", "toint(7)"),
    KqlType.LONG: ("0", "1", "42", "-5", "0x1F", "9223372036854775807", "long(null)", "long(-1)", "123456789012"),
    KqlType.REAL: ("1.5", "0.0", "-2.25", "1e3", "2.5e-3", "real(nan)", "real(+inf)", "real(-inf)", "real(null)",
                   "double(3)", ".5"),
    KqlType.DECIMAL: ("decimal(1.25)", "decimal(null)", "decimal(-0.1)", "decimal(1e5)"),
    KqlType.STRING: ("'a'", '"b"', "''", "'10.0.0.1'", "@'c:\\temp'", "h'hidden'", "'caf\u00e9'", "'\\t\\n'",
                     "'\\u00e9'", '"quote\\"d"', "'a,b,c'", "'KUANDA.ORG'", "'178.248.55.0/24'", "```multi\nline```",
                     "'\U0001f600'", "strcat('x', 'y')"),
    KqlType.DATETIME: ("datetime(2023-06-01)", "datetime(2023-06-29 12:30:00)", "datetime(2023-06-01T00:00:00Z)",
                       "datetime(2023-06-01T01:02:03.1234567Z)", "datetime(null)", "datetime(1970-01-01)",
                       "now()", "ago(1d)", "datetime(2023-6-1)"),
    KqlType.TIMESPAN: ("1h", "30m", "2d", "1.5s", "100ms", "10tick", "5microsecond", "time(1.02:03:04)",
                       "timespan(00:00:10)", "timespan(null)", "-1d", "1day", "3hours", "totimespan('1:00:00')"),
    KqlType.GUID: ("guid(74be27de-1e4e-49d9-b579-fe0b331d3642)", "guid(null)", "toguid('74be27de-1e4e-49d9-b579-fe0b331d3642')"),
    KqlType.DYNAMIC: ("dynamic([1, 2, 3])", "dynamic({'a': 1, 'b': [true, null]})", "dynamic(null)", "dynamic([])",
                      "dynamic('text')", "dynamic(1.5)", "pack_array(1, 'a')", "parse_json('{\"k\": 2}')",
                      "dynamic([[1], {'x': null}])"),
}

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
STRING_PREDICATES = ("has", "!has", "contains", "!contains", "startswith", "endswith", "=~", "!~", "has_cs",
                     "contains_cs", "hasprefix", "hassuffix", "!startswith", "matches regex")
ARITHMETIC = ("+", "-", "*", "/", "%")


class ExpressionWriter:
    """Writes scalar expressions; every decision comes from `choose`."""

    def __init__(self, chooser: Chooser) -> None:
        self.choose = chooser

    def expression(self, kql_type: KqlType, columns: Columns, depth: int) -> str:
        if self.choose.chance(WRONG_TYPE_SHARE):
            kql_type = self.choose.choice(TYPES)
        if self.choose.chance(0.01):
            return self.choose.choice(("Missing", "clientip", "['No Such']", "$left"))

        options = ["literal", "column", "column"] if depth <= 0 else ["literal", "column", "call", "operator", "paren"]
        kind = self.choose.choice(options)
        if kind == "column":
            matching = [name for name, column_type in columns if column_type == kql_type]
            if matching:
                return self.column_name(self.choose.choice(matching))
            kind = "literal"
        if kind == "literal":
            return self.literal(kql_type)
        if kind == "paren":
            return f"({self.expression(kql_type, columns, depth - 1)})"
        if kind == "call":
            return self.call(kql_type, columns, depth - 1)
        return self.operation(kql_type, columns, depth - 1)

    def literal(self, kql_type: KqlType, constant: bool = False) -> str:
        text = self.choose.choice(LITERALS[kql_type])
        if constant and "(" in text and not text.startswith(("datetime", "dynamic", "guid", "time", "real")):
            return self.choose.choice([t for t in LITERALS[kql_type] if "(" not in t] or ["null"])
        return text

    def operation(self, kql_type: KqlType, columns: Columns, depth: int) -> str:
        if kql_type == KqlType.BOOL:
            kind = self.choose.choice(("compare", "compare", "logic", "string", "not", "in", "between", "isnull"))
            if kind == "compare":
                operand = self.choose.choice((*NUMERIC, KqlType.STRING, KqlType.DATETIME, KqlType.TIMESPAN))
                left, right = self.expression(operand, columns, depth), self.expression(operand, columns, depth)
                return f"{left} {self.choose.choice(COMPARISONS)} {right}"
            if kind == "logic":
                left, right = self.expression(kql_type, columns, depth), self.expression(kql_type, columns, depth)
                return f"{left} {self.choose.choice(('and', 'or'))} {right}"
            if kind == "string":
                left = self.expression(KqlType.STRING, columns, depth)
                return f"{left} {self.choose.choice(STRING_PREDICATES)} {self.literal(KqlType.STRING)}"
            if kind == "not":
                return f"not({self.expression(KqlType.BOOL, columns, depth)})"
            if kind == "in":
                operand = self.choose.choice((KqlType.STRING, KqlType.LONG))
                values = ", ".join(self.literal(operand) for _ in range(self.choose.integer(1, 3)))
                word = self.choose.choice(("in", "!in", "in~", "has_any"))
                return f"{self.expression(operand, columns, depth)} {word} ({values})"
            if kind == "between":
                operand = self.choose.choice((KqlType.LONG, KqlType.DATETIME))
                low, high = self.literal(operand), self.literal(operand)
                return f"{self.expression(operand, columns, depth)} between ({low} .. {high})"
            return f"{self.choose.choice(('isnull', 'isnotnull', 'isempty'))}({self.expression(self.choose.choice(TYPES), columns, depth)})"
        if kql_type in NUMERIC or kql_type == KqlType.DECIMAL:
            left, right = self.expression(kql_type, columns, depth), self.expression(kql_type, columns, depth)
            if self.choose.chance(0.1):
                return f"-{left}"
            return f"{left} {self.choose.choice(ARITHMETIC)} {right}"
        if kql_type == KqlType.DATETIME:
            return f"{self.expression(KqlType.DATETIME, columns, depth)} {self.choose.choice(('+', '-'))} {self.expression(KqlType.TIMESPAN, columns, depth)}"
        if kql_type == KqlType.TIMESPAN:
            kind = self.choose.choice(("difference", "scale", "sum"))
            if kind == "difference":
                return f"{self.expression(KqlType.DATETIME, columns, depth)} - {self.expression(KqlType.DATETIME, columns, depth)}"
            if kind == "scale":
                return f"{self.expression(KqlType.TIMESPAN, columns, depth)} * {self.expression(KqlType.LONG, columns, depth)}"
            return f"{self.expression(KqlType.TIMESPAN, columns, depth)} + {self.expression(KqlType.TIMESPAN, columns, depth)}"
        if kql_type == KqlType.DYNAMIC:
            base = self.expression(KqlType.DYNAMIC, columns, depth)
            accessor = self.choose.choice((".a", "['b']", "[0]", "[-1]", ".a.b"))
            return f"{base}{accessor}"
        return self.call(kql_type, columns, depth)

    def call(self, kql_type: KqlType, columns: Columns, depth: int) -> str:
        # Window functions are left out: they need serialized rows, which Kusto.Language does
        # not check, so every such query would count as a disagreement.
        plain = [entry for name, entry in SCALARS.items() if entry.output_names is None and name == entry.name and not entry.window]
        candidates = [entry for entry in plain if entry.returns == kql_type]
        if not candidates or self.choose.chance(0.1):
            candidates = plain
        return self.function_call(self.choose.choice(candidates), columns, depth)

    def function_call(self, entry: ScalarFunction, columns: Columns, depth: int) -> str:
        args = []
        for param in entry.params:
            if param.optional and self.choose.chance(0.5):
                break
            repeat = self.choose.integer(1, 3) if param.variadic else 1
            for _ in range(repeat):
                kql_type = self.parameter_type(param.types)
                if param.constant:
                    args.append(self.constant_argument(entry.name, param.name, kql_type))
                else:
                    args.append(self.expression(kql_type, columns, depth))
        if self.choose.chance(0.03):
            args.append(self.literal(self.choose.choice(TYPES)))
        return f"{entry.name}({', '.join(args)})"

    def constant_argument(self, function: str, parameter: str, kql_type: KqlType) -> str:
        if kql_type == KqlType.STRING and "regex" in parameter.lower() or function.startswith("extract"):
            return self.choose.choice(("'([0-9]+)'", "'a+'", "'(\\\\d+)\\\\.'", "'['"))
        if parameter.lower() in ("period", "part", "unit"):
            return self.choose.choice(("'day'", "'hour'", "'month'", "'week'", "'Year'", "'fortnight'"))
        if "format" in parameter.lower():
            return self.choose.choice(("'yyyy-MM-dd'", "'hh:mm:ss'", "'d.hh'", "''"))
        return self.literal(kql_type)

    def parameter_type(self, types: tuple[KqlType, ...] | None) -> KqlType:
        if types is None or self.choose.chance(WRONG_TYPE_SHARE):
            return self.choose.choice(TYPES)
        return self.choose.choice(types)

    @staticmethod
    def column_name(name: str) -> str:
        return name if name.isidentifier() else f"['{name}']"
