"""Static check of typed result use in a Code Mode snippet.

It finds the names bound to tool results (``r = typecheck(...)``, ``for e in r.errors``,
comprehension targets, annotated parameters) and checks every attribute read on them, and on
elements of their list fields, against the Pydantic model's fields (``Model.model_fields``; list
element types come from the field annotations). Subscripting a model (``r["errors"]``) fails,
as it does at run time. Calls to names that are neither defined, builtins nor tools are invented
tools. The analysis is flow-insensitive: a name bound both to a tool result and to something
else is left unchecked rather than guessed.
"""

from __future__ import annotations

import ast
import builtins
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Union

from pydantic import BaseModel


@dataclass(frozen=True)
class T:
    """The inferred type of an expression: a model, or a list of a model."""

    kind: str  # "model" | "list"
    cls: type[BaseModel]

    def describe(self) -> str:
        return self.cls.__name__ if self.kind == "model" else f"a list of {self.cls.__name__}"


_AMBIGUOUS = object()


@functools.cache
def tool_models() -> dict[str, type[BaseModel]]:
    """Tool name -> the Pydantic model it returns (from the tools' return annotations)."""
    from core.codemode.tools import TOOLS

    out: dict[str, type[BaseModel]] = {}
    for name, fn in TOOLS.items():
        ret = typing.get_type_hints(fn).get("return")
        if isinstance(ret, type) and issubclass(ret, BaseModel):
            out[name] = ret
    return out


@functools.cache
def sandbox_names() -> frozenset[str]:
    """Names pre-bound inside execute_code: the tools and their result models."""
    import core.codemode.tools as tools

    return frozenset(getattr(tools, "__all__", ())) | frozenset(tool_models())


def _all_models() -> dict[str, type[BaseModel]]:
    from core.codemode.models import RESULT_MODELS

    return {m.__name__: m for m in RESULT_MODELS}


def annotation_type(ann: Any) -> T | None:
    """A field annotation as T: Model, list[Model], Model | None."""
    origin = typing.get_origin(ann)
    if origin in (list, tuple, typing.Sequence) or (origin is not None and str(origin).endswith("Sequence")):
        args = [a for a in typing.get_args(ann) if a is not Ellipsis]
        if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return T("list", args[0])
        return None
    if origin in (Union, types.UnionType):
        found = [annotation_type(a) for a in typing.get_args(ann) if a is not type(None)]
        found = [f for f in found if f is not None]
        return found[0] if len(found) == 1 else None
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return T("model", ann)
    return None


@dataclass
class TypedAnalysis:
    syntax_error: str | None = None
    tools_called: list[str] = field(default_factory=list)
    invented_calls: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    """Attribute reads that were checked and found on the model (evidence of typed use)."""


_ITER_KEEP = {"list", "sorted", "reversed", "tuple", "iter"}
_ELEM_OF = {"max", "min", "next"}


class _Analyzer:
    def __init__(self, tree: ast.AST, tools: dict[str, type[BaseModel]]):
        self.tree = tree
        self.tools = tools
        self.models = _all_models()
        self.env: dict[str, Any] = {}
        self.new_env: dict[str, Any] = {}

    # -- inference ------------------------------------------------------------------------
    def infer(self, node: ast.AST | None) -> T | None:
        if node is None:
            return None
        if isinstance(node, ast.Name):
            t = self.env.get(node.id)
            return t if isinstance(t, T) else None
        if isinstance(node, ast.NamedExpr):
            return self.infer(node.value)
        if isinstance(node, ast.Call):
            return self._infer_call(node)
        if isinstance(node, ast.Attribute):
            base = self.infer(node.value)
            if base is not None and base.kind == "model" and node.attr in base.cls.model_fields:
                return annotation_type(base.cls.model_fields[node.attr].annotation)
            return None
        if isinstance(node, ast.Subscript):
            base = self.infer(node.value)
            if base is not None and base.kind == "list":
                return base if isinstance(node.slice, ast.Slice) else T("model", base.cls)
            return None
        if isinstance(node, ast.IfExp):
            return self.infer(node.body) or self.infer(node.orelse)
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                t = self.infer(v)
                if t is not None:
                    return t
            return None
        if isinstance(node, (ast.ListComp,)):
            return None
        return None

    def _infer_call(self, node: ast.Call) -> T | None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in self.tools and self.env.get(func.id) is None:
                return T("model", self.tools[func.id])
            if func.id in self.models and self.env.get(func.id) is None:
                return T("model", self.models[func.id])
            if func.id in _ITER_KEEP and node.args:
                t = self.infer(node.args[0])
                return t if t is not None and t.kind == "list" else None
            if func.id == "filter" and len(node.args) == 2:
                t = self.infer(node.args[1])
                return t if t is not None and t.kind == "list" else None
            if func.id in _ELEM_OF and node.args:
                t = self.infer(node.args[0])
                return T("model", t.cls) if t is not None and t.kind == "list" else None
        if isinstance(func, ast.Attribute) and func.attr == "model_copy":
            t = self.infer(func.value)
            return t if t is not None and t.kind == "model" else None
        return None

    def elem_of(self, iter_node: ast.AST) -> list[tuple[int, T]] | T | None:
        """The element type of an iterable; for enumerate/zip, per-position element types."""
        if isinstance(iter_node, ast.Call) and isinstance(iter_node.func, ast.Name):
            if iter_node.func.id == "enumerate" and iter_node.args:
                inner = self.infer(iter_node.args[0])
                return [(1, T("model", inner.cls))] if inner is not None and inner.kind == "list" else None
            if iter_node.func.id == "zip":
                out: list[tuple[int, T]] = []
                for i, a in enumerate(iter_node.args):
                    inner = self.infer(a)
                    if inner is not None and inner.kind == "list":
                        out.append((i, T("model", inner.cls)))
                return out or None
        t = self.infer(iter_node)
        return T("model", t.cls) if t is not None and t.kind == "list" else None

    # -- binding --------------------------------------------------------------------------
    def bind(self, target: ast.AST, t: Any) -> None:
        if isinstance(target, ast.Name):
            old = self.new_env.get(target.id)
            self.new_env[target.id] = t if old is None or old == t else _AMBIGUOUS
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind(elt, "other")
        elif isinstance(target, ast.Starred):
            self.bind(target.value, "other")

    def bind_iter(self, target: ast.AST, iter_node: ast.AST) -> None:
        elem = self.elem_of(iter_node)
        if isinstance(elem, list) and isinstance(target, (ast.Tuple, ast.List)):
            positions = dict(elem)
            for i, elt in enumerate(target.elts):
                self.bind(elt, positions.get(i, "other"))
        elif isinstance(elem, T):
            self.bind(target, elem)
        else:
            self._bind_other(target)

    def _bind_other(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.bind(target, "other")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_other(elt)

    def collect_bindings(self) -> None:
        for _ in range(6):  # until the bindings settle: each pass infers from the previous one's
            self.new_env = {}
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Assign):
                    t = self.infer(node.value)
                    for tgt in node.targets:
                        if isinstance(tgt, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)):
                            for a, b in zip(tgt.elts, node.value.elts, strict=False):
                                self.bind(a, self.infer(b) or "other")
                        else:
                            self.bind(tgt, t or "other")
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    t = self.infer(node.value) if node.value is not None else None
                    self.bind(node.target, t or self._from_annotation(node.annotation) or "other")
                elif isinstance(node, ast.NamedExpr):
                    self.bind(node.target, self.infer(node.value) or "other")
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    self.bind_iter(node.target, node.iter)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                        t = self._from_annotation(arg.annotation) if arg.annotation else None
                        self.bind(ast.Name(id=arg.arg), t or "other")
            settled = self.new_env == self.env
            self.env = self.new_env
            if settled:
                break

    def _from_annotation(self, ann: ast.AST | None) -> T | None:
        if isinstance(ann, ast.Name) and ann.id in self.models:
            return T("model", self.models[ann.id])
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str) and ann.value in self.models:
            return T("model", self.models[ann.value])
        if isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Name) and ann.value.id in ("list", "List"):
            inner = self._from_annotation(ann.slice)
            return T("list", inner.cls) if inner is not None else None
        return None

    # -- checking -------------------------------------------------------------------------
    def check(self, out: TypedAnalysis) -> None:
        found: dict[str, tuple[int, int]] = {}
        reads: dict[str, tuple[int, int]] = {}
        here = (0, 0)

        def problem(text: str) -> None:
            found.setdefault(text, here)

        for node in ast.walk(self.tree):
            here = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
            if isinstance(node, ast.Attribute):
                self._check_attr(node.value, node.attr, ast.unparse(node), isinstance(node.ctx, ast.Store),
                                 problem, reads, here)
            elif isinstance(node, ast.Subscript):
                base = self.infer(node.value)
                if base is not None and base.kind == "model":
                    key = node.slice.value if isinstance(node.slice, ast.Constant) else None
                    hint = f" (use .{key})" if isinstance(key, str) and key in base.cls.model_fields else ""
                    problem(f"subscripts {ast.unparse(node)}: {base.cls.__name__} is a Pydantic model, "
                            f"not a dict{hint}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and len(node.args) == 2
            ):
                self._check_attr(node.args[0], node.args[1].value, ast.unparse(node), False, problem, reads, here)
        out.problems = sorted(found, key=lambda t: found[t])
        out.reads = sorted(reads, key=lambda t: reads[t])

    def _check_attr(self, value: ast.AST, attr: str, src: str, store: bool, problem: Any,
                    reads: dict[str, tuple[int, int]], here: tuple[int, int]) -> None:
        base = self.infer(value)
        if base is None:
            return
        cls = base.cls
        if base.kind == "list":
            if not hasattr(list, attr):
                problem(f"reads {src}: {ast.unparse(value)} is a list of {cls.__name__}, "
                        f"not a {cls.__name__}")
            return
        if store:
            problem(f"assigns {src}: {cls.__name__} is frozen (read-only)")
            return
        if attr in cls.model_fields:
            reads.setdefault(f"reads {src}: field of {cls.__name__}", here)
        elif attr.startswith("_") or not hasattr(BaseModel, attr):
            fields = ", ".join(cls.model_fields)
            problem(f"reads {src}: not a field of {cls.__name__} (fields: {fields})")


def _defined_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                names.add((a.asname or a.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def analyze(code: str, tools: dict[str, type[BaseModel]] | None = None) -> TypedAnalysis:
    """Parse ``code`` and check its typed use of tool results."""
    tools = tool_models() if tools is None else tools
    out = TypedAnalysis()
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        out.syntax_error = f"line {exc.lineno}: {exc.msg}"
        return out
    defined = _defined_names(tree)
    star_import = any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
                      for n in ast.walk(tree))
    known = defined | set(dir(builtins)) | sandbox_names() | set(tools)
    calls = sorted((n.lineno, n.col_offset, n.func.id) for n in ast.walk(tree)
                   if isinstance(n, ast.Call) and isinstance(n.func, ast.Name))
    for _, _, name in calls:
        if name in tools and name not in defined:
            if name not in out.tools_called:
                out.tools_called.append(name)
        elif name not in known and not star_import and name not in out.invented_calls:
            out.invented_calls.append(name)
    analyzer = _Analyzer(tree, tools)
    analyzer.collect_bindings()
    analyzer.check(out)
    return out
