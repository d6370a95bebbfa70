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
    D("e01_loop_lambdas_late_binding", "concept: closures", "quick",
      "Why do lambdas created in a for loop all return the loop's last value, and how do I fix it?",
      {"late binding": ([r"late[- ]binding|looked up (when|at) (call|run)|when (it is|they are) called"],
                        [r"lambdas? (captures?|stores?|remembers?) the (current )?value (at|when)"]),
       "closure over variable": [r"closure|same variable|the variable,? not (its|the) value|enclosing scope"],
       "default argument fix": [r"default (argument|value|parameter)|lambda \w+=\w+|i=i"],
       "partial fix": [r"functools\.partial|partial\(|factory function|helper function"]},
      2, [r"lambda"],
      "Closures bind late: each lambda refers to the loop variable itself, not to its value at creation, and "
      "looks it up when called, after the loop has finished. Bind the value at creation instead: a default "
      "argument (`lambda i=i: i`), `functools.partial`, or a small factory function."),
    D("e02_repr_vs_str", "concept: data model", "quick",
      "What's the difference between `__repr__` and `__str__`, and which one should a class define first?",
      {"repr for developers": [r"developer|debug|unambiguous|eval|recreate|logs?"],
       "str for users": [r"user|readable|print|display|human"],
       "fallback": ([r"falls? back|defaults? to|uses __repr__|without __str__"],
                    [r"__repr__ (falls back|defaults) to __str__"]),
       "containers": [r"container|list of|inside a list|collections?"]},
      3, [r"__repr__", r"__str__"],
      "`__repr__` is for developers: an unambiguous representation, ideally one that `eval` could turn back "
      "into the object, used in the REPL, debuggers, logs and inside containers. `__str__` is the readable "
      "form for users (`print`, `str()`), and falls back to `__repr__` when a class doesn't define it, so "
      "define `__repr__` first."),
    D("e03_eq_disables_hash", "concept: data model", "quick",
      "If I define `__eq__` on a class, what happens to hashing its instances, and why does that matter?",
      {"hash removed": ([r"__hash__ (is )?(set to|becomes) none|unhashable|no longer hashable|TypeError"],
                        [r"__hash__ (is|stays) (unchanged|inherited)"]),
       "sets and dict keys": [r"\bsets?\b|dict(ionary)? keys?"],
       "equal means same hash": [r"equal objects?[^.]{0,40}same hash|same hash|consistent"],
       "immutable": [r"immutable|frozen|mutable|change"]},
      3, [r"__eq__|__hash__|hash"],
      "Defining `__eq__` without `__hash__` sets `__hash__` to None, so instances become unhashable and can't "
      "go in sets or be dict keys (TypeError). If you add `__hash__`, equal objects must have equal hashes, so "
      "hash only fields that never change (a frozen dataclass does this for you)."),
    D("e04_partial_over_lambda", "concept: functions", "quick",
      "When would I reach for functools.partial instead of writing a lambda?",
      {"pre-filled arguments": [r"(fix|pre-?fill|freez|bind)\w* (some |the )?arguments?|pre-?set"],
       "picklable": [r"pickl|multiprocessing|process pool"],
       "introspectable": [r"\.func|\.args|\.keywords|introspect|repr|inspect"],
       "early binding": ([r"binds? (the )?(values?|arguments?) (now|immediately|at creation|when created)|early"],
                         [r"partial (binds|looks up) (arguments|values) (late|when called)"])},
      2, [r"partial"],
      "`partial` freezes some arguments of an existing function. Unlike a lambda it binds the values at "
      "creation (no late-binding surprises in loops), can be pickled (so it works with multiprocessing), and "
      "exposes `.func`, `.args` and `.keywords` with a readable repr."),
    D("e05_classmethod_staticmethod", "concept: classes", "quick",
      "What's the difference between @classmethod and @staticmethod, and when is each the right tool?",
      {"receives the class": ([r"\bcls\b|receives? the class|gets? the class"],
                              [r"staticmethods? (receives?|gets?) (the )?(class|cls)"]),
       "alternative constructors": [r"alternative constructor|factory|from_\w+"],
       "subclasses": [r"subclass|inherit"],
       "plain function": [r"no (self|cls)|neither|plain function|namespace|module[- ]level function"]},
      3, [r"classmethod", r"staticmethod"],
      "A classmethod receives the class (`cls`), so it suits alternative constructors (`from_json`) and "
      "works correctly for subclasses. A staticmethod receives neither self nor cls: it's a plain function "
      "kept in the class's namespace; often a module-level function is just as good."),
    D("e06_bisect_sorted", "concept: algorithms", "quick",
      "What does the bisect module do, and when is it better than scanning a list?",
      {"binary search": [r"binary search|halv|bisect"],
       "sorted input": ([r"sorted"], [r"bisect works on (any|unsorted) lists?"]),
       "log n": [r"log ?n|o\(log|logarithmic"],
       "insort": [r"insort|insert\w* (and|while) keep\w* (it )?sorted|keeps? (the list )?sorted"],
       "insertion cost": [r"o\(n\)|shift|linear"]},
      3, [r"bisect"],
      "`bisect` does binary search on a list that is already sorted: `bisect_left`/`bisect_right` find where a "
      "value belongs in O(log n) instead of a linear scan, and `insort` inserts while keeping the list sorted "
      "(the insertion itself still shifts elements, O(n)). It only works on sorted lists."),
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
    D("e08_frozenset_use", "concept: collections", "quick",
      "When would I use a frozenset rather than a set?",
      {"immutable": ([r"immutable|can'?t (be )?(change|modif)|cannot (be )?(change|modif)"],
                     [r"frozensets? (can|may) be (modified|changed)"]),
       "hashable": [r"hashable|dict(ionary)? keys?|set of sets|inside (a|another) set"],
       "constants": [r"constant|module[- ]level|shared|default"],
       "same operations": [r"union|intersection|membership|\bin\b"]},
      2, [r"frozenset"],
      "A frozenset is an immutable set: it's hashable, so it can be a dict key or an element of another set, "
      "and it's safe as a module-level constant or a default that nobody can modify. It supports the same "
      "membership tests and set operations, but not add or remove."),
    D("e09_zip_strict", "concept: iteration", "quick",
      "What does `zip(..., strict=True)` protect me from?",
      {"silent truncation": ([r"truncat|shortest|silently (drop|stop|ignore)|different lengths?|unequal"],
                             [r"zip (pads|fills) (the )?shorter"]),
       "raises": [r"ValueError|raises?|error"],
       "version": [r"3\.10"],
       "data bugs": [r"bug|mismatch|missing (items|data|rows)"]},
      2, [r"strict"],
      "Plain `zip` stops at the shortest iterable and silently drops the rest, hiding a length mismatch. With "
      "`strict=True` (Python 3.10+) it raises ValueError when the iterables have different lengths, so the "
      "bug surfaces where it happens."),
    D("e10_try_else_finally", "concept: exceptions", "quick",
      "In a try statement, what is the `else` clause for, and how does it differ from `finally`?",
      {"else when no exception": ([r"(no|without an?) exception|didn'?t raise|succeed"],
                                  [r"else (runs|executes) (when|if) an exception"]),
       "narrow try": [r"small|narrow|only the code|accidentally catch|not caught"],
       "finally always": [r"always|regardless|whether or not|clean ?up"],
       "order": [r"before finally|then finally|after (the )?try"]},
      2, [r"\belse\b", r"finally"],
      "`else` runs only when the try block raised nothing; putting the follow-up code there keeps the try "
      "block small, so its except clauses don't accidentally catch errors from that code. `finally` always "
      "runs, exception or not (after else), and is for cleanup."),
    D("e11_nonlocal", "concept: scopes", "quick",
      "When do I need `nonlocal` in a nested function, and how is it different from `global`?",
      {"assign to enclosing": [r"assign|rebind|modify|change"],
       "local by default": ([r"UnboundLocalError|creates? a (new )?local|treated as local"],
                            [r"need (nonlocal|it) (just |only )?to read"]),
       "global is module": [r"module[- ]level|module scope|global scope"],
       "enclosing function": [r"enclosing|outer function|closure"]},
      3, [r"nonlocal"],
      "Only to assign: reading a variable from an enclosing function works without it, but assigning makes "
      "the name local to the inner function (and reading it first gives UnboundLocalError). `nonlocal` "
      "rebinds the nearest enclosing function's variable; `global` rebinds a module-level one."),
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
    D("e13_type_checking_guard", "concept: typing", "quick",
      "What does `if TYPE_CHECKING:` do, and when do I need it?",
      {"false at runtime": ([r"false at runtime|never runs?|not (executed|run) at runtime|only (for|by) the (type )?checker"],
                            [r"TYPE_CHECKING is true at runtime"]),
       "type-only imports": [r"import\w*[^.]{0,40}(only|just) for (type|annotations|hints)|type[- ]only"],
       "cycles and cost": [r"circular|cycle|import time|expensive|slow"],
       "quoted annotations": [r"string|quote|forward|from __future__ import annotations"]},
      2, [r"TYPE_CHECKING"],
      "`typing.TYPE_CHECKING` is False at runtime and treated as True by type checkers, so imports under "
      "`if TYPE_CHECKING:` are seen by mypy but never executed. Use it for imports needed only in "
      "annotations, to break import cycles or avoid slow imports; the annotations then have to be strings "
      "or use `from __future__ import annotations`."),
    D("e14_top_k_stream", "concept: algorithms", "quick",
      "How do I keep the 10 largest items seen in a long stream without re-sorting everything each time?",
      {"heap": [r"heap"],
       "nlargest": [r"nlargest|heappushpop|heapreplace"],
       "complexity": ([r"log ?k|o\(n log k\)|log\(k\)|size (k|10)|bounded"],
                      [r"sort(ing)? (the whole|everything|all) (each|every) time is (fine|best)"]),
       "min-heap of size k": [r"min[- ]heap|smallest (of the|at the top)"]},
      2, [r"heap|nlargest"],
      "Keep a min-heap of at most 10 items with `heapq`: push each new item and pop the smallest once the heap "
      "exceeds 10 (`heappushpop`), so each item costs O(log k). For a finished iterable, `heapq.nlargest(10, "
      "items)` does the same."),
    D("e15_weak_references", "concept: memory", "quick",
      "What is a weak reference in Python good for?",
      {"doesn't keep alive": ([r"(doesn'?t|does not|without) keep\w* (it|the object|them) alive|reference count|garbage"],
                              [r"weak references? keeps? (the |its |an )?(object|referent) alive"]),
       "caches": [r"cache|WeakValueDictionary|WeakKeyDictionary"],
       "observers and cycles": [r"observer|callback|listener|cycle"],
       "dead reference": [r"\bNone\b|dead|collected"]},
      2, [r"weak"],
      "A weak reference lets you refer to an object without keeping it alive: once nothing else refers to it, "
      "it's collected and the weakref returns None. That suits caches (`WeakValueDictionary`), registries of "
      "observers or callbacks, and back-references that would otherwise create cycles."),
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
    D("e19_evolving_file_format", "architecture: data formats", "complex",
      "Our app saves user data as JSON files. How would you change that format without breaking files "
      "already on disk?",
      {"version field": [r"version"],
       "migrate on read": [r"migrat|upgrade|convert\w* (old|on load|when read)"],
       "tolerant reader": [r"default|missing (fields?|keys?)|optional|tolerant|ignore unknown"],
       "old fixtures in tests": [r"tests?|fixtures?|samples?"],
       "no breaking removal": ([r"backward|compatib|keep (reading|the old)"],
                               [r"(just )?(change|rewrite) the format and (delete|drop|ignore) (the )?old files"])},
      3, [r"version|migrat"],
      "Put a version number in every file. When loading, detect the version and run the file through a chain "
      "of small migration functions up to the current one; read missing fields with defaults and ignore "
      "unknown ones. Keep real old files as test fixtures, so each release proves it still reads them, and "
      "write only the newest version."),
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
      3, [r"deprecat"],
      "Add the new name, and keep the old one as a thin wrapper that calls it and emits a DeprecationWarning "
      "(warnings.warn with stacklevel=2). Document it in the changelog, and remove the old name only in the "
      "next major release."),
]

EXT_DIRECT: list[dict[str, Any]] = QUICK + COMPLEX
