"""The suite (the core 20, and the extended tier): its schema, loading with clear errors, and its hash.

``data/suite/suite.json`` holds 13 tool queries (each against a named fixture workspace) and 7
direct questions. A tool query lists the tools a correct program uses and the facts a correct
answer states; each fact says how it was derived (a tool call on the workspace and a Python
expression over the result ``r``), so it can be re-derived at any time. A direct question has a
rubric: concept groups (each a list of regexes, any of which counts), how many groups must
match, and patterns an answer must or must not contain.

Each query has a ``tier``: ``"core"`` for the seed's 20, ``"extended"`` for the queries beyond them
(``data/suite/extended.json``, a file that names the core it ``extends``; loading it gives the core
followed by the extended queries, validated together: the core exactly 13 + 7, the extended tier in
the same 13:7 mix). A rubric's concept group may list ``contradicts``: statements that reverse the
reference answer.

Regexes are matched case-insensitively against the answer text (``re.search``). A fact holds
when any of its patterns matches (``match: "all"``: when every one does); a tool answer is correct
when all its facts hold. ``fact_holds`` and ``rubric_passes`` implement exactly that.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from core.data.jsonpos import line_of, value_lines
from core.data.schema import field_path
from core.paths import DATA_DIR
from core.textfile import UserFileError, parse_json, read_text

_LATER_DEFAULTS: dict[str, Any] = {"tier": "core", "complexity": None}

ToolName = Literal["typecheck", "ruff_check", "pytest_run", "read_file", "run_command"]
TOOL_NAMES: tuple[str, ...] = ("typecheck", "ruff_check", "pytest_run", "read_file", "run_command")
N_TOOL, N_DIRECT = 13, 7
CLAIMS_FILE = DATA_DIR / "suite" / "claims.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _valid_regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None
    return v


class FactSource(_Strict):
    """How a fact was derived: ``r = tool(**args)`` in the workspace, then ``expr`` over ``r``."""

    tool: ToolName
    args: dict[str, Any] = Field(default_factory=dict)
    expr: str = Field(min_length=1, description="a Python expression over the tool's result `r`")


class ExpectedFact(_Strict):
    name: str = Field(min_length=1, description="what the fact is, e.g. 'error_count'")
    value: Any = Field(description="the value derived from the real tool result")
    patterns: list[str] = Field(min_length=1, description="regexes searched in the answer")
    match: Literal["any", "all"] = Field("any", description="'any': one pattern must match; 'all': every one")
    source: FactSource

    _regex = field_validator("patterns")(lambda v: [_valid_regex(p) for p in v])


class ConceptGroup(_Strict):
    name: str = Field(min_length=1)
    any_of: list[str] = Field(min_length=1, description="synonyms or regexes; any match counts")
    contradicts: list[str] = Field(
        default_factory=list, description="regexes for statements that reverse the reference; a match fails the answer")

    _regex = field_validator("any_of", "contradicts")(lambda v: [_valid_regex(p) for p in v])


class Clash(_Strict):
    """A typed field a state claim must agree with: ``field`` over a recorded ``tool`` result ``r``."""

    tool: ToolName
    field: str = Field(min_length=1, description="a Python expression over the tool's result `r`, quoted as evidence")
    when: str = Field(min_length=1, description="a Python expression over the field's value `v`: true when it "
                      "contradicts the claim")


class StateClaim(_Strict):
    """A claim about state ("types are clean", "all tests passed") and the fields that contradict it."""

    name: str = Field(min_length=1)
    patterns: list[str] = Field(min_length=1, description="regexes; a match (not negated) is the claim")
    contradicted_by: list[Clash] = Field(min_length=1)
    mode: Literal["any", "all"] = Field("any", description="'any': one clashing field contradicts the claim; "
                                        "'all': every field must clash (each tool called)")

    _regex = field_validator("patterns")(lambda v: [_valid_regex(p) for p in v])


class Rubric(_Strict):
    groups: list[ConceptGroup] = Field(min_length=3, max_length=5)
    pass_threshold: int = Field(ge=1, description="how many groups a passing answer matches")
    required: list[str] = Field(default_factory=list, description="regexes every passing answer matches")
    forbidden: list[str] = Field(default_factory=list, description="regexes no passing answer matches")

    _regex = field_validator("required", "forbidden")(lambda v: [_valid_regex(p) for p in v])

    @model_validator(mode="after")
    def _threshold(self) -> Rubric:
        if self.pass_threshold > len(self.groups):
            raise ValueError(f"pass_threshold {self.pass_threshold} is more than the {len(self.groups)} groups")
        return self


class SuiteQuery(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_\-]+$")
    category: Literal["tool", "direct"]
    topic: str = Field(min_length=1, description="e.g. 'typecheck', 'lint+typecheck', 'comparison'")
    prompt: str = Field(min_length=10)
    expected_tools: list[ToolName] = Field(default_factory=list)
    workspace: str | None = None
    facts: list[ExpectedFact] = Field(default_factory=list)
    rubric: Rubric | None = None
    claims: list[StateClaim] = Field(default_factory=list, description="state claims checked for this query "
                                     "besides the suite's")
    reference: str | None = Field(None, description="a correct answer, for people reading the results")
    tier: Literal["core", "extended"] = Field("core", description="'core': the seed's 20; 'extended': beyond them")
    complexity: Literal["quick", "complex"] | None = Field(
        None, description="'quick': read, search, concepts; 'complex': refactoring, architecture")
    _suite_claims: tuple[StateClaim, ...] = PrivateAttr(default=())

    @property
    def all_claims(self) -> list[StateClaim]:
        """The suite's state claims and this query's own."""
        return [*self._suite_claims, *self.claims]

    @model_validator(mode="after")
    def _by_category(self) -> SuiteQuery:
        if self.category == "tool":
            missing = [k for k, v in (("expected_tools", self.expected_tools), ("workspace", self.workspace),
                                      ("facts", self.facts)) if not v]
            if missing:
                raise ValueError(f"a tool query needs {', '.join(missing)}")
            if self.rubric is not None:
                raise ValueError("a tool query has facts, not a rubric")
            stray = sorted({f.source.tool for f in self.facts} - set(self.expected_tools))
            if stray:
                raise ValueError(f"facts come from {', '.join(stray)}, which expected_tools doesn't list")
        else:
            if self.rubric is None:
                raise ValueError("a direct query needs a rubric")
            if self.expected_tools or self.workspace or self.facts:
                raise ValueError("a direct query has no expected_tools, workspace or facts")
        return self


class Suite(_Strict):
    version: int = 1
    name: str = "phase25-suite"
    description: str = ""
    claims: list[StateClaim] | None = Field(None, description="state claims checked on every tool query's answer "
                                            f"against this run's typed results (default: {CLAIMS_FILE.name})")
    queries: list[SuiteQuery]

    @property
    def state_claims(self) -> list[StateClaim]:
        return default_claims() if self.claims is None else self.claims

    @model_validator(mode="after")
    def _shape(self) -> Suite:
        ids = [q.id for q in self.queries]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate query ids: {', '.join(dup)}")
        core = [q for q in self.queries if q.tier == "core"]
        n_tool = sum(q.category == "tool" for q in core)
        n_direct = len(core) - n_tool
        if (n_tool, n_direct) != (N_TOOL, N_DIRECT):
            whose = "the suite's core" if len(core) < len(self.queries) else "the suite"
            raise ValueError(f"{whose} has {n_tool} tool and {n_direct} direct queries; "
                             f"it must have exactly {N_TOOL} and {N_DIRECT}")
        extended = [q for q in self.queries if q.tier == "extended"]
        e_tool = sum(q.category == "tool" for q in extended)
        if e_tool * N_DIRECT != (len(extended) - e_tool) * N_TOOL:
            raise ValueError(f"the extended tier has {e_tool} tool and {len(extended) - e_tool} direct queries; "
                             f"it must keep the core's {N_TOOL}:{N_DIRECT} mix")
        used = {t for q in self.queries for t in q.expected_tools}
        missing = [t for t in TOOL_NAMES if t not in used]
        if missing:
            raise ValueError(f"no tool query uses {', '.join(missing)}")
        shared = tuple(self.state_claims)
        for q in self.queries:
            q._suite_claims = shared
        return self

    def canonical_json(self) -> str:
        """Fields at their defaults that came after the first suite are left out, so adding such a
        field never changes the hash of a suite that doesn't use it."""
        data = self.model_dump(mode="json")
        for q in data["queries"]:
            for key, default in _LATER_DEFAULTS.items():
                if q.get(key, default) == default:
                    q.pop(key, None)
            for g in (q.get("rubric") or {}).get("groups", []):
                if not g.get("contradicts"):
                    g.pop("contradicts", None)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def core_queries(self) -> list[SuiteQuery]:
        return [q for q in self.queries if q.tier == "core"]

    @property
    def tier(self) -> Literal["core", "extended"]:
        """'extended' when the suite holds any query beyond the core."""
        return "extended" if any(q.tier == "extended" for q in self.queries) else "core"

    @property
    def sha256(self) -> str:
        """Hash of the canonical JSON: equal for equal suites however the file is formatted."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def by_id(self, query_id: str) -> SuiteQuery:
        for q in self.queries:
            if q.id == query_id:
                return q
        raise KeyError(query_id)

    @property
    def tool_queries(self) -> list[SuiteQuery]:
        return [q for q in self.queries if q.category == "tool"]

    @property
    def direct_queries(self) -> list[SuiteQuery]:
        return [q for q in self.queries if q.category == "direct"]


_CLAIMS = TypeAdapter(list[StateClaim])


@functools.cache
def default_claims() -> list[StateClaim]:
    """The state claims in data/suite/claims.json: the list a suite file without its own uses."""
    path = CLAIMS_FILE
    text = read_text(path, "claims file")
    try:
        return _CLAIMS.validate_python(parse_json(text, path))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ("claims", *err["loc"])
        raise SuiteError(path, [f"{path}:{line_of(value_lines(text), err['loc'])}: {field_path(loc)}: "
                                f"{err['msg']}"]) from None


class SuiteError(Exception):
    """A suite file could not be loaded; ``problems`` has one line per problem (file:line: field: ...)."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))

    def render(self) -> str:
        n = len(self.problems)
        return f"{self.path}: {n} problem{'s' if n != 1 else ''} in the suite\n" + "\n".join(
            f"  - {p}" for p in self.problems)


class SuiteExtension(_Strict):
    """A file of queries beyond a core suite (``extends`` names the core file, relative to this one)."""

    version: int = 1
    name: str = Field(min_length=1)
    description: str = ""
    extends: str = Field(min_length=1, description="the core suite file this one adds to")
    queries: list[SuiteQuery] = Field(min_length=1)

    @model_validator(mode="after")
    def _all_extended(self) -> SuiteExtension:
        core = [q.id for q in self.queries if q.tier != "extended"]
        if core:
            raise ValueError(f"every query of an extension has tier 'extended'; not: {', '.join(core)}")
        return self


M = TypeVar("M", Suite, SuiteExtension)


def _validated(model: type[M], data: Any, path: Path, text: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = value_lines(text)
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"]) or ("queries",)  # the suite-wide checks are about its queries
            line = line_of(lines, loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling)"
            elif err["type"] in ("missing",):
                msg = "required key is missing"
            elif err["type"] in ("literal_error", "string_pattern_mismatch") or err["type"].endswith("_type"):
                msg = f"{msg}; got {err.get('input')!r}"
            problems.append(f"{path}:{line}: {field_path(loc)}: {msg}" if line else f"{path}: {field_path(loc)}: {msg}")
        raise SuiteError(path, problems) from None


def _check_workspaces(path: Path, text: str, queries: list[SuiteQuery], workspaces: Path) -> None:
    lines = value_lines(text)
    problems = []
    for i, q in enumerate(queries):
        if q.workspace and not (workspaces / q.workspace).is_dir():
            line = line_of(lines, ("queries", i, "workspace"))
            problems.append(f"{path}:{line}: queries[{i}].workspace: no workspace {q.workspace!r} in {workspaces}")
    if problems:
        raise SuiteError(path, problems)


def load_suite(path: str | Path, workspaces: str | Path | None = None) -> Suite:
    """Load and validate a suite file; with ``workspaces``, each tool query's workspace must exist.

    A file with ``extends`` is an extension: the result is the core suite it names followed by
    its own queries, validated together."""
    path = Path(path)
    try:
        text = read_text(path, "suite file")
        data = parse_json(text, path)
    except UserFileError as exc:
        raise SuiteError(path, [str(exc)]) from None
    if not (isinstance(data, dict) and "extends" in data):
        suite = _validated(Suite, data, path, text)
        if workspaces is not None:
            _check_workspaces(path, text, suite.queries, Path(workspaces))
        return suite
    ext = _validated(SuiteExtension, data, path, text)
    base_path = path.parent / ext.extends
    base = load_suite(base_path, workspaces)
    if base.tier != "core":
        raise SuiteError(path, [f"{path}: extends: {base_path} is not a core suite (it has extended queries)"])
    if workspaces is not None:
        _check_workspaces(path, text, ext.queries, Path(workspaces))
    try:
        return Suite(version=ext.version, name=ext.name, description=ext.description,
                     queries=base.queries + ext.queries)
    except ValidationError as exc:
        raise SuiteError(path, [f"{path}: queries (with {base_path}'s): {e['msg'].removeprefix('Value error, ')}"
                                for e in exc.errors()]) from None


def suite_hash(path: str | Path) -> str:
    return load_suite(path).sha256
