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
        lines = [f"{self.kind}[{diagnostic.code}]: {visible(diagnostic.message)}"]

        if diagnostic.span is not None and self.source is not None:
            lines.extend(_render_place(self.source, diagnostic.span, self.origin))
        elif self.origin is not None:
            lines.append(f"  --> {visible(self.origin)}")

        if diagnostic.hint:
            lines.append(f"   = hint: {visible(diagnostic.hint)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _shift(span: Span | None, offset: int) -> Span | None:
    return None if span is None else Span(span.start + offset, span.end + offset)


def _render_place(source: str, span: Span, origin: str | None) -> list[str]:
    line, column = line_and_column(source, span.start)
    source_lines = source.split("\n")
    text = source_lines[line - 1] if line - 1 < len(source_lines) else ""
    # A Windows line break leaves '\r' at the end of the line, and it is not part of the text.
    text = text.removesuffix("\r")

    start = column - 1
    line_end = len(text) - start
    length = max(1, min(span.end - span.start, line_end))
    shown = _shown_line(text, start, length)
    more = " (...)" if span.end - span.start > line_end + 1 or shown.caret_cut else ""

    gutter = " " * len(str(line))
    place = f"{visible(origin)}:{line}:{column}" if origin else f"line {line}, column {column}"
    return [
        f"{gutter}--> {place}",
        f"{gutter} |",
        f"{line} | {shown.text}",
        f"{gutter} | {' ' * shown.caret_offset}{'^' * shown.caret_width}{more}",
    ]


# A long source line is shown as a window of this many characters around the caret, with
# this many before it, so that an error in a generated one-line query stays readable.
WINDOW_WIDTH = 100
WINDOW_LEAD = 40
_CUT = "…"
_TAB_WIDTH = 4


def visible(text: str) -> str:
    """Write the characters of `text` that a terminal would hide or obey as escapes.

    Control, format and separator characters other than space and newline (ESC, a
    zero-width space, a bidirectional override, a non-breaking space) become
    ``<U+200B>``. A byte that was not valid UTF-8, which Python decodes as a lone
    surrogate U+DC80..U+DCFF, becomes ``<0xFF>``.
    """
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() or character == "\n" else _escape(character) for character in text)


def _escape(character: str) -> str:
    code_point = ord(character)
    if 0xDC80 <= code_point <= 0xDCFF:
        return f"<0x{code_point - 0xDC00:02X}>"
    return f"<U+{code_point:04X}>"


@dataclass(frozen=True, slots=True)
class _ShownLine:
    """A source line as printed, with the caret's offset and width in printed characters."""

    text: str
    caret_offset: int
    caret_width: int
    caret_cut: bool


def _shown_line(text: str, start: int, length: int) -> _ShownLine:
    """Print the line `text` with tabs expanded and hidden characters escaped.

    The caret underlines `length` characters from index `start`; it may stand one place
    past the end of the line. A line longer than `WINDOW_WIDTH` is cut to a window around
    the caret, and each cut side is marked with '…'.
    """
    # Only the characters that can fall into the window are converted, so that an
    # error in a line of many megabytes costs no more than one in a short line.
    first = max(0, start - WINDOW_WIDTH)
    last = min(len(text), first + 3 * WINDOW_WIDTH)
    pieces: list[str] = []
    cells = [0]
    for character in text[first:last]:
        if character == "\t":
            piece = " " * (_TAB_WIDTH - cells[-1] % _TAB_WIDTH)
        elif character.isprintable():
            piece = character
        else:
            piece = _escape(character)
        pieces.append(piece)
        cells.append(cells[-1] + len(piece))

    caret_from = cells[start - first]
    caret_to = cells[min(start + length, last) - first] if start < len(text) else caret_from + 1
    total = cells[-1]
    if total <= WINDOW_WIDTH and first == 0 and last == len(text):
        return _ShownLine("".join(pieces), caret_from, max(1, caret_to - caret_from), caret_cut=False)

    window_start = max(0, caret_from - WINDOW_LEAD)
    window_end = min(total, window_start + WINDOW_WIDTH)
    window_start = max(0, min(window_start, window_end - WINDOW_WIDTH))
    # Whole pieces only, so that an escape such as <U+200B> is never split.
    first_piece = max(i for i in range(len(cells)) if cells[i] <= window_start)
    end_piece = min(i for i in range(len(cells)) if cells[i] >= window_end)
    cut_left = first > 0 or first_piece > 0
    cut_right = last < len(text) or end_piece < len(pieces)

    shown = "".join(pieces[first_piece:end_piece])
    if cut_left:
        shown = _CUT + shown
    if cut_right:
        shown += _CUT
    window_end = cells[end_piece]
    caret_offset = caret_from - cells[first_piece] + (1 if cut_left else 0)
    caret_width = max(1, min(caret_to, window_end) - caret_from)
    caret_cut = start < len(text) and (caret_to > window_end or start + length > last)
    return _ShownLine(shown, caret_offset, caret_width, caret_cut)


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
