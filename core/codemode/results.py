"""What one ``execute_code`` run is given and what it produced: its limits, each tool call the
executor ran for it, the fields of the returned models the snippet read, and the run's outcome."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, Field


class ExecutionLimits(BaseModel):
    """Limits applied to one ``execute_code`` run (per process where the OS works that way)."""

    timeout_s: float = Field(
        default=20.0, gt=0, description="wall-clock seconds before the whole tree is killed"
    )
    cpu_seconds: int = Field(default=20, gt=0, description="RLIMIT_CPU, per process")
    memory_bytes: int = Field(
        default=2 * 1024**3, gt=0, description="RLIMIT_AS, per process (mypy needs ~300 MB)"
    )
    open_files: int = Field(default=256, gt=16, description="RLIMIT_NOFILE")
    processes: int = Field(
        default=64, gt=1, description="RLIMIT_NPROC headroom: new processes the snippet may have"
    )
    file_size_bytes: int = Field(
        default=64 * 1024**2, gt=0, description="RLIMIT_FSIZE: largest file it may write"
    )
    max_output_bytes: int = Field(
        default=32_000, gt=0, description="stdout and stderr are each cut to this size"
    )
    isolate_network: bool = Field(
        default=True, description="run in an empty network namespace where possible"
    )
    allow_unconfined: bool = Field(
        default=False,
        description="run even where no engine confines the child (config: evaluation.allow_unconfined); "
        "otherwise such a run raises UnconfinedError",
    )

    @classmethod
    def for_timeout(cls, timeout_s: float, *, allow_unconfined: bool = False) -> ExecutionLimits:
        """The defaults with this wall-clock timeout, and a per-process CPU cap of at least as many
        seconds, so a long mypy or pytest run is stopped by the configured timeout, not a lower cap."""
        cpu_default = cls.model_fields["cpu_seconds"].default
        return cls(timeout_s=timeout_s, cpu_seconds=max(cpu_default, math.ceil(timeout_s)),
                   allow_unconfined=allow_unconfined)


class WorkspaceCheck(BaseModel):
    """Whether the files a tool call saw were the fixture workspace's own (``core.codemode.pristine``)."""

    changed: list[str] = Field(default_factory=list, description="files of the copy that differed from the "
                               "fixture's when the tool ran, relative paths, '(added)' or '(removed)' marked; "
                               "at most 10")
    more: int = Field(0, description="how many more changed files there were")
    during: bool = Field(False, description="a file changed while the tool ran")
    outside: str | None = Field(None, description="the path argument, when it leads outside the copy")

    @property
    def pristine(self) -> bool:
        return not self.changed and self.outside is None


class ToolCallRecord(BaseModel):
    """One tool call the snippet asked for. Since the tools run outside the snippet's process, the
    executor writes this record itself (``recorded_by = "executor"``); results files from before
    then hold records the sandboxed process wrote (``"sandbox"``), which the scorer does not trust."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict, description="the arguments passed explicitly")
    result_type: str | None = Field(
        default=None, description="class name of the returned model; None if it raised"
    )
    ok: bool = Field(description="False when the tool raised, was stopped, or could not run")
    error: str | None = None
    duration_s: float = Field(0.0, description="seconds the call took, measured by the executor")
    result: dict[str, Any] | None = Field(
        default=None, description="the returned model as JSON data; None if it raised or was too large"
    )
    recorded_by: Literal["executor", "sandbox"] = Field(
        "sandbox", description="who wrote the record: the executor (parent side) or, in older results "
        "files, the sandboxed process itself")
    delivered: bool = Field(True, description="the result reached the snippet (False when the snippet "
                                              "had ended, or the run timed out, first)")
    workspace: WorkspaceCheck | None = Field(
        None, description="whether the tool saw the fixture workspace unchanged; None: not recorded (results "
        "files from before this was recorded, or a call that never ran)")


class FieldRead(BaseModel):
    """A field of a returned model that the snippet read while it ran."""

    call: int = Field(description="index of the tool call in ``tool_calls``")
    path: str = Field(description="the field's path in the result, e.g. 'error_count' or 'errors[2].line'")


class PrintRecord(BaseModel):
    """What one ``print`` call on a line of the snippet wrote to stdout."""

    line: int
    text: str


class ExecutionResult(BaseModel):
    """Everything one ``execute_code`` run produced."""

    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    exception_type: str | None = Field(
        default=None, description="type name of the exception the snippet raised"
    )
    exception_message: str | None = None
    timed_out: bool = False
    exit_code: int | None = Field(
        default=None, description="the child's exit status; -N when killed by signal N"
    )
    duration_s: float = 0.0
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    field_reads: list[FieldRead] | None = Field(
        default=None, description="fields of returned models read at run time (reported by the sandboxed "
        "process; the values are looked up in the executor's own records); None: not traced (older results)")
    lines_run: list[int] | None = Field(
        default=None, description="lines of the snippet that ran (None: not traced, or the process died)")
    prints: list[PrintRecord] | None = Field(
        default=None, description="what each print called from the snippet's lines wrote (64 kB at most in all); "
        "None: not traced")
    network_isolated: bool = False
    privileges_dropped: bool = False
    readonly_outside: bool = Field(
        default=False, description="only the policy's paths were visible, read-only but for the run folder"
    )
    pid_namespace: bool = False
    peak_processes: int = Field(
        default=0, description="most processes seen at once in the child's tree (sampled)"
    )
    confinement: str = Field(
        default="", description="how the code was confined: the engine and the policy, in one line"
    )
    notes: list[str] = Field(default_factory=list, description="what could not be enforced, in words")

    @property
    def ok(self) -> bool:
        """The snippet ran to the end without raising or timing out."""
        return not self.timed_out and self.exception_type is None and self.exit_code == 0

    def to_tool_response(self, max_chars: int = 4000) -> str:
        """The compact JSON fed back to the model inside ``<tool_response>``.

        Keys always appear in this order and only when they carry something:
        ``ok``, ``stdout``, ``stderr``, ``error``, ``timed_out``, ``truncated``.
        """
        out: dict[str, Any] = {"ok": self.ok, "stdout": _clip(self.stdout, max_chars)}
        if self.stderr.strip():
            out["stderr"] = _clip(self.stderr, max_chars // 2, keep_end=True)
        if self.exception_type:
            out["error"] = f"{self.exception_type}: {self.exception_message or ''}".strip()
        if self.timed_out:
            out["timed_out"] = True
        if (
            self.stdout_truncated
            or self.stderr_truncated
            or len(self.stdout) > max_chars
            or len(self.stderr) > max_chars // 2
        ):
            out["truncated"] = True
        return json.dumps(out, ensure_ascii=False)


def _clip(text: str, limit: int, *, keep_end: bool = False) -> str:
    if len(text) <= limit:
        return text
    if keep_end:
        return f"...[{len(text) - limit} chars cut]...\n" + text[-limit:]
    return text[:limit] + f"\n...[{len(text) - limit} chars cut]"


def printable(value: Any) -> Any:
    """``value`` with every string made one that serialises as UTF-8: a file name's bytes that are not
    UTF-8 (held as surrogates, ``'\\udcff'``) written as ``\\xff``, any other lone surrogate as ``\\ud800``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            pass
        try:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    return value


def platform_notes(platform: str) -> list[str]:
    """Limits this OS accepts but does not enforce (reported on every result)."""
    if platform == "darwin":
        return ["memory_bytes not enforced: macOS accepts RLIMIT_AS but does not apply it"]
    return []


__all__ = ["ExecutionLimits", "ExecutionResult", "FieldRead", "PrintRecord", "ToolCallRecord", "WorkspaceCheck",
           "platform_notes", "printable"]
