"""The extended suite's 28 direct questions: 16 quick (concepts) and 12 complex (refactoring and
architecture), with rubrics that have polarity: a concept group may list ``contradicts`` patterns,
statements that reverse the reference answer, and an answer that makes one fails."""

from __future__ import annotations

from typing import Any

from core.data.suite_direct import NO_CALL

Groups = dict[str, list[str] | tuple[list[str], list[str]]]


def D(qid: str, topic: str, complexity: str, prompt: str, groups: Groups, threshold: int, required: list[str],
      reference: str) -> dict[str, Any]:
    """A direct question; a group given as ``(any_of, contradicts)`` has polarity."""
    out = []
    for name, spec in groups.items():
        any_of, contra = spec if isinstance(spec, tuple) else (spec, [])
        out.append({"name": name, "any_of": any_of, **({"contradicts": contra} if contra else {})})
    return {"id": qid, "category": "direct", "topic": topic, "complexity": complexity, "tier": "extended",
            "prompt": prompt, "rubric": {"groups": out, "pass_threshold": threshold, "required": required,
                                         "forbidden": list(NO_CALL)},
            "reference": reference}


QUICK: list[dict[str, Any]] = [
    D("e01_threads_despite_gil", "concept: concurrency", "quick",
      "Given the GIL, why do Python threads still speed up a script that downloads a few hundred files?",
      {"gil released": ([r"releas\w* the gil", r"gil is released", r"drops? the gil"],
                        [r"threads? (never|can'?t|cannot) (help|speed)"]),
       "io-bound": [r"i/?o[- ]bound", r"network", r"waiting|wait for|blocked on"],
       "cpu-bound differs": [r"cpu[- ]bound", r"computation|number crunching|pure python (code|loops)"],
       "alternatives": [r"multiprocessing|process pool|processes", r"asyncio|async"]},
      2, [r"\bgil\b|global interpreter lock"],
      "The GIL lets only one thread run Python bytecode at a time, but a thread waiting on the network or disk "
      "releases it. Downloads are I/O-bound, so while one thread waits for bytes the others run and the waits "
      "overlap. CPU-bound pure-Python work would not speed up this way; use processes for that."),
    D("e02_generator_vs_list", "concept: iteration", "quick",
      "What's the practical difference between returning a list and yielding values from a generator function?",
      {"lazy": [r"lazy|lazily|on demand|one at a time|as needed"],
       "memory": [r"memory"],
       "single pass": ([r"(once|single pass|one pass|exhausted|consumed)"],
                       [r"generators? can be (iterated|consumed|reused) (many|multiple|several) times"]),
       "no len or index": [r"\blen\(|\bindex|random access|subscript"],
       "streams": [r"infinite|stream|large (files?|data)"]},
      3, [r"generator|yield"],
      "A list is built completely before the function returns: all items in memory, reusable, with len() and "
      "indexing. A generator produces items lazily, one at a time as the caller iterates, so memory stays flat "
      "and it can even be infinite; but it can be iterated only once and has no len() or indexing."),
    D("e03_is_vs_equals", "concept: identity", "quick",
      "When should I compare with `is` rather than `==` in Python?",
      {"identity": [r"identity|same object|\bid\("],
       "equality": [r"equal(ity)?|__eq__|value"],
       "singletons": [r"\bNone\b|singleton|sentinel"],
       "caching pitfall": ([r"cach|intern|small int|implementation detail"],
                           [r"use `?is`? (to|for) compar\w* (strings|numbers|integers)"])},
      3, [r"\bis\b", r"=="],
      "`is` tests identity (the same object), `==` tests equality via `__eq__`. Use `is` for singletons such "
      "as None and for sentinels; use `==` for values. `is` on strings or small ints seems to work only "
      "because of caching and interning, an implementation detail."),
    D("e04_slots", "concept: classes", "quick",
      "What do `__slots__` buy me on a class, and what do they cost?",
      {"memory": [r"memory|smaller|footprint"],
       "no dict": [r"__dict__|no (instance )?dict"],
       "no new attributes": [r"can'?t (add|set|assign)|cannot (add|set|assign)|new attributes|AttributeError|fixed set"],
       "speed": [r"faster|speed"],
       "inheritance caveats": [r"inherit|subclass|weakref|multiple"]},
      3, [r"__slots__|slots"],
      "`__slots__` replaces the per-instance `__dict__` with fixed storage for the named attributes: less "
      "memory per instance and slightly faster attribute access. The cost: you can't add attributes that "
      "aren't listed, and you must mind inheritance (every class in the chain needs slots) and `__weakref__`."),
    D("e05_lru_cache_fit", "concept: caching", "quick",
      "How does functools.lru_cache decide it can reuse an earlier result, and when is it a bad fit?",
      {"arguments as key": [r"argument", r"hashable|hash"],
       "eviction": [r"maxsize|least[- ]recently|evict"],
       "impure functions": ([r"side[- ]effect|impure|pure function|depends on (time|state|external)"],
                            [r"(safe|fine) for (any|every|all) functions?"]),
       "methods leak": [r"self|method|instances? (alive|leak)|memory leak"],
       "mutable results": [r"mutable|mutat"]},
      3, [r"lru_cache|cache"],
      "lru_cache keys on the call's arguments, which must be hashable; an equal call returns the stored result, "
      "and the least recently used entry is evicted past maxsize. It's a bad fit for functions with side "
      "effects or that depend on time or outside state, for mutable return values callers may change, and on "
      "methods, where it keeps `self` alive."),
    D("e06_with_statement", "concept: resources", "quick",
      "What does a `with` block give me over writing the same cleanup in try/finally?",
      {"cleanup guaranteed": [r"clean ?up|clos|releas|tear ?down"],
       "protocol": [r"__enter__|__exit__|context manager"],
       "exceptions": [r"exception|error"],
       "reuse": [r"reus|encapsulat|once|contextlib|contextmanager"]},
      3, [r"\bwith\b"],
      "Both guarantee cleanup when an exception is raised. A `with` block packages the setup and cleanup in a "
      "context manager (`__enter__`/`__exit__`, or `contextlib.contextmanager`), so the logic is written once, "
      "reused everywhere, and can't be forgotten or done in the wrong order."),
    D("e07_logging_lazy_args", "concept: logging", "quick",
      "Why pass values to logger.debug as separate arguments instead of building the message with an f-string?",
      {"lazy": ([r"lazy|lazily|deferred|only (when|if)|not (formatted|built)"],
                [r"f-?strings? (are|is) (lazy|deferred)"]),
       "cost when disabled": [r"disabled|level|cost|overhead|performance|wasted"],
       "grouping": [r"group|aggregat|same (template|message)|sentry|structured"],
       "percent style": [r"%s|%-style|percent"]},
      2, [r"f-?string|format"],
      "logging formats the message only if the record is actually emitted, so `logger.debug(\"x=%s\", x)` "
      "costs almost nothing when DEBUG is off, whereas an f-string is always built. Keeping the template "
      "constant also lets tools group identical messages."),
    D("e08_init_py_needed", "concept: packaging", "quick",
      "With Python 3, do I still need an `__init__.py` in every package folder?",
      {"namespace packages": ([r"namespace package|pep 420|implicit namespace"],
                              [r"import (will|would) (always )?fail without"]),
       "regular package": [r"regular package|explicit|package initiali[sz]"],
       "tools": [r"mypy|pytest|setuptools|find_packages|tool"],
       "recommendation": [r"recommend|good (idea|practice)|should (still )?(add|keep|include)|usually"]},
      2, [r"__init__"],
      "Not strictly: without it a folder imports as an implicit namespace package (PEP 420). But regular "
      "packages with `__init__.py` are explicit, faster to import, and what tools such as setuptools' "
      "find_packages, mypy and pytest expect, so keep adding it unless you really want a namespace package."),
    D("e09_typeddict_use", "concept: typing", "quick",
      "When is a TypedDict a better choice than a dataclass?",
      {"plain dict at runtime": [r"(plain|real|ordinary|just an?) dict|dict at runtime|runtime it is a dict"],
       "json shape": [r"json|api|payload|external|kwargs"],
       "static only": ([r"static|type[- ]checker|mypy|no (runtime )?validation"],
                       [r"typeddict (validates|checks) (at runtime|the data)"]),
       "optional keys": [r"notrequired|total\s*=|optional keys|missing keys"]},
      2, [r"typeddict"],
      "When the data is and stays a dict: JSON payloads, kwargs, existing dict-based APIs. A TypedDict only "
      "describes the keys' types for the checker (with NotRequired/total for optional keys); at runtime it's a "
      "plain dict with no validation. Use a dataclass when you want a real object with methods and defaults."),
    D("e10_main_guard", "concept: modules", "quick",
      "What does the `if __name__ == \"__main__\":` guard actually protect against?",
      {"import side effects": [r"import(ed|ing)?", r"side[- ]effect|runs? (the|your) code|executed"],
       "script vs module": [r"script|run directly|command line|python file\.py|-m"],
       "multiprocessing": [r"multiprocessing|spawn"],
       "testing": [r"test"]},
      2, [r"__main__|__name__"],
      "A module's top-level code runs on import. The guard keeps the script part (argument parsing, starting "
      "work) from running when another module or a test imports it, and is required with multiprocessing's "
      "spawn start method, which re-imports the main module in each child."),
    D("e11_parametrize", "best practice: testing", "quick",
      "Why use pytest.mark.parametrize instead of looping over cases inside one test function?",
      {"separate results": [r"separate|each case|individual|own (test|result)"],
       "keeps going": ([r"stop|abort|first failure|rest (still )?run|other cases"],
                       [r"a loop (reports|shows) (each|every) (case|failure) separately"]),
       "ids": [r"\bids?\b|name|readable"],
       "selection": [r"-k|select|rerun|re-run"]},
      2, [r"parametri[sz]e"],
      "Each parameter set becomes its own test with its own id: one failing case doesn't hide the others "
      "(a loop stops at the first failed assert), the report names exactly which case broke, and you can "
      "select or re-run a single case."),
    D("e12_money_floats", "best practice: numbers", "quick",
      "Why shouldn't amounts of money be stored as floats, and what should I use instead?",
      {"binary rounding": ([r"binary|0\.1|rounding|imprecise|exact"],
                           [r"floats? (are|is) (fine|exact|precise) for money"]),
       "decimal": [r"\bdecimal\b"],
       "integer cents": [r"cents|integer|smallest unit|minor unit"],
       "rounding rules": [r"round_half|rounding mode|quantize|bankers?"]},
      2, [r"float"],
      "Binary floats can't represent most decimal fractions (0.1 + 0.2 != 0.3), so sums drift and comparisons "
      "fail. Store money as integer cents (the smallest unit) or use `decimal.Decimal` with an explicit "
      "rounding mode and quantize."),
    D("e13_ruff_vs_mypy_roles", "comparison: tooling", "quick",
      "Ruff and mypy both flag problems in Python code. What kind of problem is each one for?",
      {"lint": [r"style|unused|import|format|pyflakes|pycodestyle|lint"],
       "types": [r"type"],
       "speed": [r"fast|rust|speed"],
       "overlap": [r"overlap|both|undefined name"]},
      3, [r"ruff", r"mypy"],
      "Ruff is a linter: style, unused imports and variables, likely bugs by pattern, import order; it's very "
      "fast (written in Rust). Mypy is a type checker: it infers and checks types across calls and modules. "
      "They overlap a little (both catch undefined names), so projects run both."),
    D("e14_shallow_copy", "concept: data model", "quick",
      "What goes wrong when I copy a list of lists with `list(x)` or `x.copy()`?",
      {"shallow": [r"shallow"],
       "shared inner": ([r"shar|same (inner )?(lists?|objects?)|references?"],
                        [r"copies (the inner|every|all nested) lists"]),
       "deepcopy": [r"deepcopy|deep copy"],
       "mutation shows": [r"mutat|chang|modif|append"]},
      3, [r"cop(y|ies)"],
      "Both make a shallow copy: a new outer list holding references to the same inner lists, so appending to "
      "or changing an inner list through one is visible through the other. Use `copy.deepcopy` (or a "
      "comprehension copying each inner list) for independent copies."),
    D("e15_utcnow_trap", "concept: datetime", "quick",
      "Why is datetime.utcnow() considered a trap, and what should I call instead?",
      {"naive": ([r"naive|no (tz|time ?zone)|tzinfo"], [r"utcnow\(\) returns an? (timezone[- ])?aware"]),
       "local time confusion": [r"local|treated as|interpreted|astimezone|timestamp\("],
       "replacement": [r"now\(\s*(tz\s*=\s*)?(datetime\.)?timezone\.utc\s*\)|now\(\s*(tz\s*=\s*)?UTC\s*\)"],
       "deprecated": [r"deprecat|3\.12"]},
      2, [r"utc"],
      "utcnow() returns a naive datetime (no tzinfo) holding UTC wall time; other code treats naive datetimes "
      "as local time, so `.timestamp()` or `astimezone()` silently shift it. It's deprecated since 3.12. Call "
      "`datetime.now(timezone.utc)` for an aware UTC datetime."),
    D("e16_assert_for_input", "best practice: errors", "quick",
      "Is it fine to validate user input with assert statements in production code?",
      {"optimised away": ([r"-O\b|optimi[sz]|stripped|removed|disabled|python -O"],
                          [r"asserts? (always|still) run", r"\byes\b, (it'?s|that'?s) fine"]),
       "raise proper errors": [r"raise|ValueError|exception"],
       "internal invariants": [r"invariant|internal|bug|debug|sanity"],
       "tests": [r"test"]},
      2, [r"assert"],
      "No. Asserts are removed when Python runs with -O, so the check can vanish in production, and a failing "
      "assert gives a poor error. Validate input with explicit checks that raise ValueError (or your own "
      "exception); keep assert for internal invariants and tests."),
]

COMPLEX: list[dict[str, Any]] = [
    D("e17_split_god_class", "refactoring: design", "complex",
      "A 2,000-line class handles parsing, validation, persistence and emailing. How would you break it up "
      "without breaking its callers?",
      {"responsibilities": [r"single responsibility|separate (classes|modules|objects)|split by (concern|responsibilit)"],
       "keep interface": ([r"facade|delegat|same (public )?interface|keep the (old|existing|public)|wrapper"],
                          [r"(rewrite|replace) (it|everything) (all )?at once"]),
       "tests first": [r"characteri[sz]ation|tests? (first|before)|safety net|cover\w* (it )?with tests"],
       "incremental": [r"increment|step by step|one (piece|responsibility|concern) at a time|gradual"],
       "injection": [r"inject|pass (in|them) (as|to)|constructor|composition"]},
      3, [],
      "Pin the current behaviour with tests first. Then extract one responsibility at a time (parser, "
      "validator, repository, mailer) into its own class, and let the old class delegate to them so its "
      "public interface stays the same; pass the collaborators in through the constructor. Once callers are "
      "moved to the new pieces, the old class can shrink to a thin facade or go."),
    D("e18_circular_imports", "refactoring: modules", "complex",
      "Two of my modules import each other and the app dies with an ImportError at startup. How should I "
      "restructure them?",
      {"third module": [r"third module|common module|shared module|move (the )?(shared|common)|extract"],
       "dependency direction": [r"direction|layer|one[- ]way|depend(s|ency) on"],
       "type-only imports": [r"TYPE_CHECKING|annotations|type[- ]only"],
       "local import workaround": ([r"(inside|within|in) (a|the) function|local import|lazy import|deferred import"],
                                   [r"local imports? (is|are) the (best|proper|real) (fix|solution)"])},
      2, [r"import"],
      "Find what each module needs from the other. Move the shared pieces into a third module both can import, "
      "so dependencies point one way (lower layers never import higher ones). Imports needed only for type "
      "hints go under `if TYPE_CHECKING:`. Importing inside a function also breaks the cycle, but that's a "
      "workaround, not a fix."),
    D("e19_config_environments", "architecture: configuration", "complex",
      "How would you design configuration for a service that runs on laptops, in CI and in production?",
      {"defaults and overrides": [r"default", r"environment variables?|env vars?|overrid"],
       "validated at startup": [r"validat|pydantic|typed|fail fast|startup"],
       "secrets": ([r"secret|credential|password|vault"], [r"commit (the )?secrets"]),
       "one source": [r"single source|one place|12[- ]factor|twelve[- ]factor"],
       "per environment": [r"per[- ]environment|profile|\.env|staging"]},
      3, [],
      "Keep one typed settings object with safe defaults, overridden per environment by environment variables "
      "(twelve-factor), validated once at startup so a bad value fails fast. Secrets come from the environment "
      "or a secret store, never the repository. Differences between laptop, CI and production live only in "
      "those overrides."),
    D("e20_plugin_system", "architecture: extensibility", "complex",
      "What's a clean way to let third parties add plugins to my Python application?",
      {"entry points": [r"entry[ _-]?points?|importlib\.metadata"],
       "interface": [r"protocol|interface|abstract base|abc\b|contract"],
       "registry": [r"regist"],
       "isolation": [r"version|isolat|error handling|fail(ure)? (in|of) a plugin|sandbox|trust"]},
      2, [r"plugin"],
      "Define the plugin contract as a Protocol or ABC, and let packages advertise implementations through "
      "entry points in their pyproject; discover them with `importlib.metadata.entry_points`, load them into a "
      "registry, and version the contract. Treat plugins as untrusted for errors: one that fails to load "
      "shouldn't take the app down."),
    D("e21_async_migration", "refactoring: concurrency", "complex",
      "We want to move a synchronous web service to asyncio gradually. In what order would you do it?",
      {"edges first": [r"edge|i/?o|outermost|handlers?|entry"],
       "blocking code in threads": ([r"to_thread|run_in_executor|thread ?pool"],
                                    [r"(fine|ok|safe) to call blocking"]),
       "async libraries": [r"httpx|aiohttp|asyncpg|async (client|driver|librar)"],
       "tests": [r"pytest-asyncio|anyio|tests?"],
       "don't block loop": [r"block\w* the (event )?loop|event loop"]},
      3, [r"async"],
      "Start with an async server and handlers, keeping existing sync code working by running it in threads "
      "(`asyncio.to_thread`). Then replace the I/O clients one at a time with async ones (HTTP, database), "
      "converting the code paths that use them, with async tests alongside. Never call blocking code directly "
      "on the event loop."),
    D("e22_retry_design", "architecture: resilience", "complex",
      "How should I design retries for calls to a flaky HTTP API?",
      {"backoff": [r"backoff|back off|exponential"],
       "jitter": [r"jitter|random"],
       "idempotency": [r"idempoten"],
       "limits": [r"max(imum)? (attempts|retries)|limit|deadline|timeout|circuit breaker"],
       "which errors": ([r"5\d\d|429|timeout|transient", r"4\d\d|client errors?|not retry"],
                        [r"retry (on )?(every|all|any) (errors?|exceptions?|status)"])},
      3, [r"retr"],
      "Retry only transient failures (timeouts, connection errors, 429 and 5xx), never client errors such as "
      "400 or 404. Use exponential backoff with jitter, a cap on attempts and an overall deadline, and honour "
      "Retry-After. Only retry idempotent requests (or use idempotency keys). A circuit breaker stops hammering "
      "a service that is down."),
    D("e23_testable_business_logic", "architecture: testing", "complex",
      "How do I structure business logic so that it can be unit-tested without a database?",
      {"ports and adapters": [r"repositor|port|adapter|hexagonal|interface|protocol"],
       "injection": [r"inject|pass (it )?in|parameter|constructor"],
       "pure core": [r"pure|no i/?o|side[- ]effect|functional core"],
       "fakes": ([r"fake|in[- ]memory|stub"], [r"mock (the )?(database|orm) (calls|queries) everywhere"]),
       "integration tests": [r"integration"]},
      3, [],
      "Keep the rules in plain functions and classes that don't do I/O, and reach storage through a small "
      "interface (a repository Protocol) passed in from outside. Unit tests hand in an in-memory fake; the real "
      "database adapter gets a few integration tests of its own."),
    D("e24_nested_dicts_to_types", "refactoring: typing", "complex",
      "Our code passes nested dicts for orders around everywhere. How would you refactor that towards typed "
      "objects safely?",
      {"typed models": [r"dataclass|pydantic|typeddict|attrs|namedtuple"],
       "parse at the boundary": [r"boundar|edge|parse|at (the )?entry|deseriali"],
       "incremental": ([r"increment|gradual|one (module|function|place) at a time|step by step"],
                       [r"(rewrite|convert) (everything|all of it|the whole codebase) at once"]),
       "type checker": [r"mypy|pyright|type[- ]check"],
       "tests": [r"tests?"]},
      3, [],
      "Describe the shape first (TypedDict is a cheap start that keeps dicts), then introduce dataclasses or "
      "pydantic models parsed at the boundaries where orders enter. Convert one module at a time, with mypy "
      "catching callers that still treat them as dicts and the tests showing behaviour is unchanged."),
    D("e25_repo_layout_libraries", "architecture: repositories", "complex",
      "Should three closely related internal Python libraries live in one repository or in three?",
      {"atomic changes": [r"atomic|single (commit|pr|change)|cross[- ]cutting|together"],
       "independent releases": [r"version|release|independen"],
       "ci and tooling": [r"\bci\b|tooling|build|pipeline"],
       "trade-off": [r"depends|trade[- ]?off|if they"]},
      3, [],
      "It depends on how they change. If they usually change together, one repository (a monorepo with "
      "editable installs) gives atomic cross-library changes and one CI. If they have separate owners and "
      "release cadences, separate repositories with versioned dependencies keep them independent at the cost "
      "of coordinating changes."),
    D("e26_exception_boundaries", "architecture: errors", "complex",
      "Where in a layered application should exceptions be caught and turned into user-facing errors?",
      {"at the boundary": ([r"boundar|top level|outermost|edge|entry point|handler|middleware"],
                           [r"catch (them|exceptions) (everywhere|in every function)"]),
       "domain exceptions": [r"custom|domain|own exception|specific exception"],
       "no swallowing": [r"swallow|bare except|except exception|silen"],
       "chaining": [r"raise \w+ from|from exc|chain|wrap|translat"],
       "logging": [r"log"]},
      3, [],
      "Raise specific domain exceptions where the problem is detected, let them propagate, and translate them "
      "into user-facing errors once at the boundary (HTTP handler, CLI entry point), logging the details "
      "there. Lower layers catch only what they can handle, wrap with `raise ... from exc` when changing "
      "abstraction, and never swallow exceptions with a bare except."),
    D("e27_caching_questions", "architecture: caching", "complex",
      "I want to put a cache in front of a slow pricing service. What design questions do I need to answer "
      "first?",
      {"invalidation": [r"invalidat|ttl|expir"],
       "staleness": [r"stale|fresh|consisten"],
       "keys": [r"\bkeys?\b"],
       "where": [r"in[- ]process|redis|memcached|local|shared|distributed"],
       "stampede": [r"stampede|thundering herd|dogpile|concurrent miss"]},
      3, [r"cach"],
      "How stale may a price be (that sets the TTL or the invalidation scheme), what exactly the key is, "
      "where the cache lives (in-process or shared such as Redis), how big it may grow, and what happens when "
      "many requests miss at once (stampede protection)."),
    D("e28_rename_public_function", "refactoring: api", "complex",
      "How do I rename a function in my library's public API without breaking existing users?",
      {"alias": ([r"alias|wrapper|keep the old (name|function)|old name (calls|delegates|points)"],
                 [r"(just|simply) (rename|delete|remove) (it|the old)"]),
       "deprecation warning": [r"DeprecationWarning|warnings\.warn|deprecat"],
       "remove later": [r"major (version|release)|semver|next major|later release"],
       "communicate": [r"changelog|release notes|document"]},
      3, [r"renam"],
      "Add the new name, and keep the old one as a thin wrapper that calls it and emits a DeprecationWarning "
      "(warnings.warn with stacklevel=2). Document it in the changelog, and remove the old name only in the "
      "next major release."),
]

EXT_DIRECT: list[dict[str, Any]] = QUICK + COMPLEX
