"""The suite's 7 direct questions: prompts, rubrics and reference answers.

Rubric regexes are searched case-insensitively. Each concept group lists synonyms; an answer
passes when it matches ``pass_threshold`` groups, every ``required`` pattern and no ``forbidden``
one. Every direct rubric forbids a tool call: a conceptual question gets a plain answer.
"""

from __future__ import annotations

from typing import Any

NO_CALL = [r"<tool_call>", r"execute_code", r"\"name\"\s*:\s*\"(typecheck|ruff_check|pytest_run|read_file|run_command)\""]


def _q(qid: str, topic: str, prompt: str, groups: dict[str, list[str]], threshold: int, required: list[str],
       reference: str, forbidden: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": qid, "category": "direct", "topic": topic, "prompt": prompt,
        "rubric": {"groups": [{"name": k, "any_of": v} for k, v in groups.items()],
                   "pass_threshold": threshold, "required": required, "forbidden": NO_CALL + (forbidden or [])},
        "reference": reference,
    }


DIRECT = [
    _q("d01_protocol_vs_abc", "concept: typing",
       "What does structural subtyping with typing.Protocol give me that an abstract base class doesn't?",
       {"structural": [r"structural", r"duck[- ]?typ", r"implicit(ly)?", r"shape"],
        "no inheritance": [r"(without|no need to|don'?t (have|need) to|not) (explicitly )?(inherit|subclass|register)",
                           r"doesn'?t (have|need) to (inherit|subclass)", r"no (explicit )?(inheritance|subclassing)"],
        "static checking": [r"type[- ]?checker", r"\bmypy\b", r"static(ally)?", r"pyright"],
        "runtime": [r"runtime_checkable", r"isinstance"],
        "foreign classes": [r"third[- ]party", r"existing class", r"can'?t (modify|change)", r"don'?t (own|control)"]},
       3, [r"protocol"],
       "A Protocol is matched structurally: any class with the right methods and attributes satisfies it, "
       "without inheriting from it or registering. That's static duck typing, checked by mypy or pyright, and "
       "it works for third-party classes you can't modify. An ABC requires explicit subclassing (or "
       "`register`) and can share implementation. Add `@runtime_checkable` if you need `isinstance` checks, "
       "which only test that the methods exist."),
    _q("d02_dataclass_namedtuple_pydantic", "comparison: data classes",
       "dataclass vs NamedTuple vs a pydantic BaseModel: how do I decide which one to use for a record type?",
       {"validation": [r"validat", r"pars(e|es|ing)", r"coerc"],
        "tuple semantics": [r"immutable", r"tuple", r"unpack", r"index"],
        "plain class": [r"mutable", r"plain (python )?class", r"boilerplate", r"__init__", r"standard library|stdlib"],
        "external data": [r"json", r"external", r"untrusted", r"\bapi\b", r"input data", r"config"],
        "cost": [r"dependenc", r"overhead", r"slower|faster|performance"]},
       3, [r"dataclass", r"namedtuple|named tuple", r"pydantic"],
       "Use a dataclass for ordinary internal data: standard library, generates `__init__`/`__repr__`/"
       "`__eq__`, mutable unless `frozen=True`, no validation. Use a NamedTuple for small immutable records "
       "that should also behave as tuples (unpacking, indexing). Use a pydantic model at boundaries where data "
       "comes from outside (JSON, APIs, config): it validates and coerces input and serialises, at the cost of "
       "a dependency and some overhead."),
    _q("d03_shared_expensive_resource", "best practice: testing",
       "What's a good way to share one expensive resource, like a database connection, across many pytest "
       "tests without the tests depending on each other?",
       {"scope": [r"scope\s*=\s*[\"']?(session|module)", r"(session|module)[- ]scoped?", r"\bscope\b"],
        "teardown": [r"\byield\b", r"tear ?down", r"clean ?up", r"\bclose"],
        "conftest": [r"conftest"],
        "isolation": [r"transaction", r"roll ?back", r"isolat", r"independent", r"reset", r"truncate"],
        "fixture": [r"fixture"]},
       3, [r"fixture"],
       "Create the connection once in a session-scoped fixture in `conftest.py` (`@pytest.fixture(scope=\"session\")`) "
       "that yields it and closes it after the `yield`. Keep tests independent with a function-scoped fixture "
       "on top that opens a transaction per test and rolls it back afterwards (or resets the tables), so no "
       "test sees another's data."),
    _q("d04_asyncio_when_faster", "concept: async",
       "When does asyncio actually make a Python program faster, and when does it not help at all?",
       {"io-bound": [r"i/?o[- ]bound", r"\bi/?o\b", r"network", r"waiting|wait for"],
        "cpu-bound": [r"cpu[- ]bound", r"computation|compute[- ]heavy|number crunching", r"\bGIL\b"],
        "event loop": [r"event loop", r"single thread|one thread", r"cooperative"],
        "blocking": [r"\bblock", r"time\.sleep", r"requests"],
        "alternatives": [r"multiprocessing|process pool|processes", r"to_thread|thread pool|run_in_executor"]},
       3, [r"async|await"],
       "asyncio helps when a program spends its time waiting on I/O (network calls, many sockets, slow "
       "services): one thread's event loop switches between tasks while each waits, so many waits overlap. It "
       "doesn't make CPU-bound work faster (everything still runs on one thread, one task at a time), and any "
       "blocking call such as `time.sleep` or a synchronous HTTP client stalls the whole loop. For CPU-bound "
       "work use processes; for blocking libraries, `asyncio.to_thread`."),
    _q("d05_editable_install", "comparison: packaging",
       "What's the difference between `pip install -e .` and `pip install .` for a project with a pyproject.toml?",
       {"editable": [r"editable", r"develop(ment)? mode"],
        "changes visible": [r"changes?[^.]{0,60}(immediately|reflected|take effect|visible|picked up)",
                            r"(no need to|without|don'?t have to) re-?install"],
        "copy vs link": [r"cop(y|ies|ied)", r"site-packages", r"\blinks?\b|points? (back )?to|\.pth"],
        "build": [r"\bwheel\b", r"\bbuild"],
        "use case": [r"develop(ing|ment)", r"deploy|production|release|\bci\b"]},
       3, [r"-e\b|editable"],
       "`pip install .` builds a wheel from the project and copies the package into site-packages: later edits "
       "to your source are not seen until you reinstall. `pip install -e .` makes an editable install: "
       "site-packages only points back to your source tree (a `.pth` file or import hook), so changes take "
       "effect immediately. Use `-e` while developing; use a normal install for deployment and for testing "
       "what users will get."),
    _q("d06_pin_library_dependencies", "best practice: packaging",
       "Should a library I publish on PyPI pin exact versions of its dependencies in pyproject.toml?",
       {"no, ranges": [r"\bno\b|don'?t|do not|shouldn'?t|should not|avoid", r"range|lower bound|>=|compatible|minimum"],
        "conflicts": [r"conflict", r"resolv|resolution", r"other (packages|libraries)|downstream|your users"],
        "applications lock": [r"application|\bapps?\b", r"lock ?file|requirements\.txt"],
        "upper bounds": [r"upper bound|<\s*\d|\bcap"],
        "test ranges": [r"test[^.]{0,50}(minimum|oldest|lowest|latest|newest)"]},
       3, [],
       "No. A library's exact pins (`requests==2.31.0`) clash with every other package in the user's "
       "environment that needs a different version, so the resolver fails or picks old releases. Declare the "
       "widest range you support, usually a lower bound (`requests>=2.28`), and be careful with upper bounds. "
       "Test in CI against both your minimum and the latest versions. Exact pins and lock files belong to "
       "applications and deployments.",
       forbidden=[r"always pin exact"]),
    _q("d07_any_vs_object", "concept: typing",
       "In Python type hints, how is `Any` different from `object`?",
       {"any disables checks": [r"disabl", r"turns? off", r"opts? out", r"escape hatch", r"(skips?|no) (type )?check",
                                r"anything goes", r"unchecked", r"silenc"],
        "object restricts": [r"only (the )?(operations|methods|attributes)", r"must (narrow|check)", r"isinstance",
                             r"narrow", r"can'?t (call|do|use)"],
        "compatible both ways": [r"both (ways|directions)", r"assign(ed|able)?[^.]{0,40}(to|from) anything",
                                 r"compatible with (every|all|any)"],
        "safety": [r"type[- ]safe", r"\bsafer?\b"],
        "top type": [r"top type", r"base (class|type) of (all|every)", r"every (type|class|value) is an? (object|subclass|instance)"]},
       3, [r"\bAny\b", r"\bobject\b"],
       "`object` is the top type: every value is an `object`, but the checker only lets you use what all "
       "objects support, so you must narrow (e.g. with `isinstance`) before calling anything specific; it is "
       "type-safe. `Any` switches checking off: it is compatible with every type in both directions, so any "
       "operation on it is accepted and errors go unnoticed. Prefer `object` for \"accepts anything\", and "
       "keep `Any` as an escape hatch."),
]
