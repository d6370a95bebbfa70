"""Does what the snippet prints depend on a tool's result? A small, flow-insensitive taint analysis.

A name is tainted when it is bound to a tool call's result, or to any expression that reads a
tainted name (assignments, augmented assignments, loop and comprehension targets, ``with ... as``,
``x.append(tainted)``, ``d[k] = tainted``, and the parameters of a function called with a tainted
argument). Output is ``print``, ``pprint`` or ``sys.stdout.write``; the result reaches the output
when one of those calls has a tool call or a tainted name among its arguments (one seen only
through ``type()``, ``id()``, ``isinstance()`` and the like does not count: they say nothing of its
content). Flow-insensitive
means a branch that never runs still counts here; the executor's recorded calls decide whether the
tool really ran, and the run-time trace (``core.evaluation.runtime_use``) whether a read value
reached stdout.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

_OUTPUT_NAMES = {"print", "pprint"}
_MUTATORS = {"append", "extend", "add", "update", "insert", "setdefault", "appendleft"}


@dataclass(frozen=True)
class Flow:
    reaches: bool
    evidence: str
    lines: tuple[int, ...] = ()
    """Lines spanned by the output calls whose arguments depend on a tool result."""


_OPAQUE = {"type", "id", "callable", "isinstance", "hasattr", "issubclass"}
"""Calls whose value says nothing about a result's content: a result seen only through them does not count."""


def _live(node: ast.AST) -> list[ast.AST]:
    """The nodes of ``node``, skipping the arguments of opaque calls such as ``type(r)``."""
    out: list[ast.AST] = []
    todo = [node]
    while todo:
        n = todo.pop()
        out.append(n)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _OPAQUE:
            continue
        todo.extend(ast.iter_child_nodes(n))
    return out


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in _live(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _calls_tool(node: ast.AST, tools: set[str]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in tools
               for n in _live(node))


def _targets(node: ast.AST) -> Iterable[str]:
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            yield n.id


def _is_output(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id in _OUTPUT_NAMES
    return (isinstance(f, ast.Attribute) and f.attr in ("write", "pprint")
            and ast.unparse(f.value) in ("sys.stdout", "pprint"))


def tainted_names(tree: ast.AST, tools: set[str]) -> set[str]:
    tainted: set[str] = set()
    params: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                params[node.name] = names

    def dirty(expr: ast.AST | None) -> bool:
        return expr is not None and (_calls_tool(expr, tools) or bool(_names(expr) & tainted))

    for _ in range(10):
        before = len(tainted)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and dirty(node.value):
                for t in node.targets:
                    tainted.update(_targets(t))
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and dirty(node.value):
                tainted.update(_targets(node.target))
            elif isinstance(node, ast.NamedExpr) and dirty(node.value):
                tainted.add(node.target.id)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and dirty(node.iter):
                tainted.update(_targets(node.target))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None and dirty(node.context_expr):
                tainted.update(_targets(node.optional_vars))
            elif isinstance(node, ast.Call):
                f = node.func
                args = [*node.args, *(k.value for k in node.keywords)]
                if not any(dirty(a) for a in args):
                    continue
                if isinstance(f, ast.Attribute) and f.attr in _MUTATORS and isinstance(f.value, ast.Name):
                    tainted.add(f.value.id)
                elif isinstance(f, ast.Name) and f.id in params:
                    tainted.update(params[f.id])
            elif isinstance(node, ast.Return) and dirty(node.value):
                tainted.update(fn for fn, _ in params.items() if _returns_from(tree, fn, node))
        # a call to a function that returns a tainted value is itself a source
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and isinstance(node.value.func, ast.Name) and node.value.func.id in tainted:
                for t in node.targets:
                    tainted.update(_targets(t))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Subscript) and dirty(node.value) and isinstance(t.value, ast.Name):
                        tainted.add(t.value.id)
        if len(tainted) == before:
            break
    return tainted


def _returns_from(tree: ast.AST, fn: str, ret: ast.Return) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn:
            return any(n is ret for n in ast.walk(node))
    return False


def result_reaches_output(code: str, tools: Iterable[str]) -> Flow:
    """Whether a tool result (or a value computed from one) is among the arguments of an output call."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return Flow(False, "the code does not parse")
    names = set(tools)
    tainted = tainted_names(tree, names)
    outputs = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_output(n)]
    if not outputs:
        return Flow(False, "the code prints nothing, so no tool result reaches the answer")
    hits = [(call, sorted(_names(a) & tainted))
            for call in sorted(outputs, key=lambda c: (c.lineno, c.col_offset))
            for a in [*call.args, *(k.value for k in call.keywords)]
            if _calls_tool(a, names) or _names(a) & tainted]
    if hits:
        call, used = hits[0]
        via = f" (via {', '.join(used)}, bound from a tool result)" if used else ""
        return Flow(True, f"the tool result reaches output: {ast.unparse(call)[:80]} on line {call.lineno}{via}",
                    tuple(sorted({n for c, _ in hits for n in range(c.lineno, (c.end_lineno or c.lineno) + 1)})))
    shown = "; ".join(ast.unparse(c)[:60] for c in outputs[:3])
    return Flow(False, f"no output depends on a tool result (dataflow from tool calls to print): {shown}")


__all__ = ["Flow", "result_reaches_output", "tainted_names"]
