"""The %kql and %%kql magics run through IPython's own shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("IPython")


@pytest.fixture
def shell() -> Any:
    from IPython.testing.globalipapp import get_ipython

    ipython = get_ipython()
    ipython.run_line_magic("load_ext", "kqlite.notebook")
    yield ipython
    ipython.run_line_magic("unload_ext", "kqlite.notebook")
    for name in ("Sales", "Other", "result"):
        ipython.user_ns.pop(name, None)


@pytest.fixture
def displayed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda *objects, **options: shown.extend(objects))
    return shown


def test_cell_magic_queries_dataframe(shell: Any) -> None:
    shell.user_ns["Sales"] = pd.DataFrame({"Region": ["a", "b", "a"], "Amount": [1.0, 2.0, 3.5]})

    frame = shell.run_cell_magic("kql", "", "Sales\n| summarize Total=sum(Amount) by Region\n| order by Region asc")

    assert list(frame.columns) == ["Region", "Total"]
    assert frame["Region"].tolist() == ["a", "b"]
    assert frame["Total"].tolist() == [4.5, 2.0]


def test_line_magic_returns_dataframe(shell: Any) -> None:
    shell.user_ns["Sales"] = pd.DataFrame({"Amount": [1, 2, 3]})

    frame = shell.run_line_magic("kql", "Sales | where Amount > 1 | count")

    assert frame["Count"].tolist() == [2]


def test_dataframe_changes_are_seen_on_next_run(shell: Any) -> None:
    shell.user_ns["Sales"] = pd.DataFrame({"Amount": [1, 2, 3]})
    shell.run_line_magic("kql", "Sales | count")
    shell.user_ns["Sales"] = pd.DataFrame({"Amount": [1]})

    assert shell.run_line_magic("kql", "Sales | count")["Count"].tolist() == [1]


def test_join_keeps_dollar_names(shell: Any) -> None:
    shell.user_ns["Sales"] = pd.DataFrame({"Id": [1, 2], "Amount": [5, 6]})
    shell.user_ns["Other"] = pd.DataFrame({"Key": [2], "Name": ["two"]})

    frame = shell.run_line_magic("kql", "Sales | join kind=inner Other on $left.Id == $right.Key | project Name, Amount")

    assert frame.to_dict("records") == [{"Name": "two", "Amount": 6}]


def test_error_printed_without_traceback(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shell.user_ns["Sales"] = pd.DataFrame({"Amount": [1]})

    assert shell.run_line_magic("kql", "Sales | where Amont > 1") is None
    error = capsys.readouterr().err
    assert "did you mean 'Amount'?" in error
    assert "^^^^^" in error
    assert "Traceback" not in error


def test_render_shows_chart_inline(shell: Any, displayed: list[Any]) -> None:
    from IPython.display import Image

    frame = shell.run_cell_magic("kql", "", "range x from 1 to 5 step 1\n| extend y = x * 2\n| render linechart")

    assert len(frame) == 5
    assert len(displayed) == 1
    assert isinstance(displayed[0], Image)
    assert displayed[0].data[:4] == b"\x89PNG"


def test_database_option_uses_folder(shell: Any, tmp_path: Path) -> None:
    folder = tmp_path / "db"

    shell.run_cell_magic("kql", f"--db {folder}", ".set Stored <| print a = 1")
    frame = shell.run_line_magic("kql", "Stored")
    shell.run_line_magic("kql", f"--db {tmp_path / 'other'}")

    assert frame["a"].tolist() == [1]
    assert any(folder.iterdir())
    assert shell.run_line_magic("kql", "print b = 2")["b"].tolist() == [2]


def test_stored_table_not_replaced_by_dataframe(shell: Any, tmp_path: Path) -> None:
    shell.run_line_magic("kql", f"--db {tmp_path / 'db'}")
    shell.run_cell_magic("kql", "", ".set Sales <| print Amount = 100")
    shell.user_ns["Sales"] = pd.DataFrame({"Amount": [1]})

    assert shell.run_line_magic("kql", "Sales")["Amount"].tolist() == [100]
