"""The KqlError family: every failure a user can meet, with its place in the query.

Codes shared with Kusto.Language (``KS...``) are used where Microsoft's analyzer has a
counterpart, so binder errors can be compared with it; kqlite's own codes start with
``KL``. ``str(error)`` is the full rendering: the message, the line and column, the
source line with a caret under the offending text, and a hint where there is one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range ``[start, end)`` in a query text."""

    start: int
    end: int

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One error found in a query: code, message, place and an optional hint."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None


class KqlError(Exception):
    """Base class of every error kqlite reports about a query or command."""

    kind = "error"

    def __init__(
        self,
        code: str,
        message: str,
        span: Span | None = None,
        *,
        hint: str | None = None,
        source: str | None = None,
        origin: str | None = None,
        diagnostics: tuple[Diagnostic, ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        self.hint = hint
        self.source = source
        self.origin = origin
        self.diagnostics = diagnostics or (Diagnostic(code, message, span, hint),)

    @property
    def line(self) -> int | None:
        if self.span is None or self.source is None:
            return None
        return line_and_column(self.source, self.span.start)[0]

    @property
    def column(self) -> int | None:
        if self.span is None or self.source is None:
            return None
        return line_and_column(self.source, self.span.start)[1]

    def with_source(self, source: str, origin: str | None = None, offset: int = 0) -> KqlError:
        """Attach the query text (and a file name) once the error reaches the caller.

        `offset` shifts the spans when the error was found in a piece of a larger text,
        such as one statement of a script file.
        """
        if self.source is not None:
            # Already placed in a piece of `source` (a command inside a script): re-base
            # the spans on the whole text when the piece is found at `offset`.
            piece_found = source[offset : offset + len(self.source)] == self.source
            if source != self.source and piece_found:
                self.source = None
                return self.with_source(source, origin or self.origin, offset)
            self.origin = self.origin or origin
            return self
        if offset:
            self.span = _shift(self.span, offset)
            self.diagnostics = tuple(
                Diagnostic(d.code, d.message, _shift(d.span, offset), d.hint) for d in self.diagnostics
            )
        self.source = source
        self.origin = origin
        return self

    def render(self) -> str:
        """Render every diagnostic with its place, caret and hint, without colour."""
        return "\n".join(self._render_one(d) for d in self.diagnostics)

    def _render_one(self, diagnostic: Diagnostic) -> str:
        lines = [f"{self.kind}[{diagnostic.code}]: {diagnostic.message}"]

        if diagnostic.span is not None and self.source is not None:
            lines.extend(_render_place(self.source, diagnostic.span, self.origin))
        elif self.origin is not None:
            lines.append(f"  --> {self.origin}")

        if diagnostic.hint:
            lines.append(f"   = hint: {diagnostic.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _shift(span: Span | None, offset: int) -> Span | None:
    return None if span is None else Span(span.start + offset, span.end + offset)


def _render_place(source: str, span: Span, origin: str | None) -> list[str]:
    line, column = line_and_column(source, span.start)
    source_lines = source.split("\n")
    text = source_lines[line - 1] if line - 1 < len(source_lines) else ""

    # Tabs are expanded so that the caret lines up under the text as a terminal shows it.
    prefix = text[: column - 1].expandtabs(4)
    shown = text.expandtabs(4)
    line_end = len(text) - (column - 1)
    width = max(1, min(span.end - span.start, line_end) if span.end > span.start else 1)
    more = " (...)" if span.end - span.start > line_end + 1 else ""

    gutter = " " * len(str(line))
    place = f"{origin}:{line}:{column}" if origin else f"line {line}, column {column}"
    return [
        f"{gutter}--> {place}",
        f"{gutter} |",
        f"{line} | {shown}",
        f"{gutter} | {' ' * len(prefix)}{'^' * width}{more}",
    ]


class KqlSyntaxError(KqlError):
    """The text is not valid KQL."""

    kind = "syntax error"


class KqlSemanticError(KqlError):
    """The query is valid KQL but names, types or arguments do not fit."""

    kind = "semantic error"


class KqlRuntimeError(KqlError):
    """The query failed while it ran (a missing file, a limit, a bad value)."""

    kind = "runtime error"


class KqlNotSupportedError(KqlError):
    """Valid KQL that kqlite does not run yet."""

    kind = "not supported"

    def __init__(self, feature: str, span: Span | None = None, **kwargs: object) -> None:
        super().__init__("KL001", f"{feature} is not supported by kqlite yet", span, **kwargs)  # type: ignore[arg-type]


class KqlInternalError(KqlError):
    """A bug in kqlite itself; the cause is chained."""

    kind = "internal error"
