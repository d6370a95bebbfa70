"""Result models of the Code Mode tools.

Every tool returns one of these Pydantic models. The field names are part of
the contract with the model that writes code against them: they are shown to it
as typed stubs (see ``core.codemode.prompt.tool_stubs``), so keep them short,
predictable and documented. Line and column numbers are 1-based everywhere.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class TypeErrorItem(_Result):
    """One diagnostic reported by mypy."""

    file: str = Field(description="path of the file, relative to the working directory")
    line: int = Field(description="1-based line number")
    column: int = Field(description="1-based column number")
    severity: str = Field(description='"error" or "note"')
    message: str = Field(description="mypy's message")
    code: str | None = Field(default=None, description='error code, e.g. "arg-type"; None for notes')


class TypecheckResult(_Result):
    """What ``typecheck`` found."""

    error_count: int = Field(description="number of diagnostics with severity 'error'")
    errors: list[TypeErrorItem] = Field(description="every diagnostic, errors and notes, in mypy's order")
    passed: bool = Field(description="True when mypy exited 0 with no errors")


class Violation(_Result):
    """One lint violation reported by ruff."""

    code: str = Field(description='rule code, e.g. "F401"')
    message: str = Field(description="ruff's message")
    file: str = Field(description="path of the file, relative to the working directory")
    line: int = Field(description="1-based line number")
    column: int = Field(description="1-based column number")
    fixable: bool = Field(description="True when `ruff check --fix` can fix it safely")


class RuffResult(_Result):
    """What ``ruff_check`` found."""

    violation_count: int = Field(description="number of violations")
    violations: list[Violation] = Field(description="every violation, sorted by file and line")
    passed: bool = Field(description="True when there are no violations")


class TestFailure(_Result):
    """One failed or errored test."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    test_id: str = Field(description='pytest node id, e.g. "tests/test_x.py::test_y"')
    message: str = Field(description="the short failure message, e.g. the failing assert")


class PytestResult(_Result):
    """What ``pytest_run`` found."""

    passed: int = Field(description="number of tests that passed")
    failed: int = Field(description="number of tests that failed")
    skipped: int = Field(description="number of tests skipped (xfail included)")
    errors: int = Field(description="number of errors in collection, setup or teardown")
    failures: list[TestFailure] = Field(description="the failed and errored tests")
    duration_s: float = Field(description="wall-clock seconds the run took")
    exit_code: int = Field(description="pytest's exit code: 0 all passed, 1 some failed, 5 none collected")


class FileContent(_Result):
    """What ``read_file`` read."""

    path: str = Field(description="the path as given")
    content: str = Field(description="the text of the requested lines")
    total_lines: int = Field(description="number of lines in the whole file")
    truncated: bool = Field(description="True when content was cut to the size cap")


class CommandResult(_Result):
    """What ``run_command`` got back."""

    stdout: str = Field(description="standard output (capped)")
    stderr: str = Field(description="standard error (capped)")
    exit_code: int = Field(description="the exit status; -N when killed by signal N")
    duration_s: float = Field(description="wall-clock seconds the command took")
    timed_out: bool = Field(description="True when the command was killed at the timeout")


RESULT_MODELS: tuple[type[BaseModel], ...] = (
    TypeErrorItem,
    TypecheckResult,
    Violation,
    RuffResult,
    TestFailure,
    PytestResult,
    FileContent,
    CommandResult,
)

__all__ = [
    "RESULT_MODELS",
    "CommandResult",
    "FileContent",
    "PytestResult",
    "RuffResult",
    "TestFailure",
    "TypeErrorItem",
    "TypecheckResult",
    "Violation",
]
