"""Direct answers: the language, the standard library and async code."""

from core.data.build.topics import Topic

TOPICS = [
    Topic("gather", "async", "concept", (
        "What does asyncio.gather do?",
        "How do I run several coroutines concurrently and collect their results?",
        "asyncio.gather: what happens if one of the coroutines raises?",
    ), "`await asyncio.gather(a(), b(), c())` runs the awaitables concurrently and returns their results "
       "in the order you passed them. By default the first exception propagates to the caller while the "
       "others keep running; `return_exceptions=True` returns exceptions as results instead. On 3.11+, "
       "`asyncio.TaskGroup` is often better: it cancels the remaining tasks when one fails."),
    Topic("asyncio-run", "async", "concept", (
        "How do I start an async program?",
        "What does asyncio.run do?",
        "How do I call an async function from normal synchronous code?",
    ), "`asyncio.run(main())` creates an event loop, runs the coroutine to completion, cleans up (cancels "
       "leftover tasks, closes the loop) and returns its result. Call it once, at the program's entry "
       "point. Calling an `async def` function without awaiting it only creates a coroutine object; "
       "nothing runs."),
    Topic("blocking-in-async", "async", "best-practice", (
        "What happens if I call time.sleep inside an async function?",
        "How do I call a blocking function from asyncio code?",
        "My async server freezes during a slow call. Why?",
    ), "A blocking call (`time.sleep`, `requests.get`, heavy CPU work) stops the whole event loop: no other "
       "task runs until it returns. Use the async equivalent (`await asyncio.sleep(...)`, an async HTTP "
       "client) or push the blocking call to a thread with `await asyncio.to_thread(fn, *args)`; for CPU-heavy "
       "work, a process pool via `loop.run_in_executor`."),
    Topic("taskgroup", "async", "concept", (
        "What is asyncio.TaskGroup?",
        "TaskGroup vs gather: which should I use?",
        "How does structured concurrency work in asyncio?",
    ), "`async with asyncio.TaskGroup() as tg:` (3.11+) starts tasks with `tg.create_task(...)` and waits "
       "for all of them when the block ends. If one fails, the others are cancelled and the errors are "
       "raised together as an `ExceptionGroup` (handle with `except*`). No task outlives the block, which "
       "is easier to reason about than loose `create_task` calls or `gather`."),
    Topic("async-timeout", "async", "concept", (
        "How do I put a timeout on an await?",
        "What's the asyncio way to give up on a slow operation?",
        "asyncio.timeout vs wait_for?",
    ), "On 3.11+ use `async with asyncio.timeout(5): await fetch()`; on older versions "
       "`await asyncio.wait_for(fetch(), timeout=5)`. Both cancel the operation and raise `TimeoutError` "
       "when time runs out. A timeout only interrupts at an `await`, so blocking code inside won't be "
       "stopped."),
    Topic("semaphore", "async", "best-practice", (
        "How do I limit how many requests run at once with asyncio?",
        "How can I cap concurrency when gathering hundreds of coroutines?",
        "What is asyncio.Semaphore for?",
    ), "Wrap the work in a shared `asyncio.Semaphore(n)`:\n\n```python\nsem = asyncio.Semaphore(10)\n\n"
       "async def fetch_limited(url):\n    async with sem:\n        return await fetch(url)\n```\n\nThen gather "
       "`fetch_limited` for all URLs: at most 10 run at once, and the rest wait their turn."),
    Topic("generators", "language", "concept", (
        "What is a generator in Python?",
        "What does yield do?",
        "Generator vs list: when should I use each?",
    ), "A function containing `yield` returns a generator: an iterator that runs the body lazily, pausing "
       "at each `yield` and resuming on the next request. It produces values one at a time, so it handles "
       "huge or endless sequences in constant memory. Use a list when you need `len()`, indexing or several "
       "passes; a generator can be consumed only once."),
    Topic("context-managers", "language", "concept", (
        "What is a context manager?",
        "How does the with statement work?",
        "How do I write my own context manager?",
    ), "A context manager sets something up on entering a `with` block and guarantees the cleanup on "
       "leaving it, even when an exception is raised: files are closed, locks released. Write one as a "
       "class with `__enter__`/`__exit__`, or more simply with `@contextlib.contextmanager`: code before "
       "`yield` is setup, code after it (in a `finally`) is cleanup."),
    Topic("decorators", "language", "concept", (
        "How do decorators work in Python?",
        "What does the @ syntax above a function do?",
        "Why should decorators use functools.wraps?",
    ), "`@deco` above `def f` is shorthand for `f = deco(f)`: the decorator takes the function and "
       "returns a replacement, usually a wrapper that adds behaviour before and after calling the "
       "original. Decorate the wrapper with `@functools.wraps(fn)` so it keeps the original's name, "
       "docstring and signature metadata, which debuggers, docs and tests rely on."),
    Topic("is-vs-eq", "language", "comparison", (
        "What's the difference between is and == in Python?",
        "When should I use `is` instead of `==`?",
        "Why does `a is b` sometimes give True for equal small integers?",
    ), "`==` compares values (it calls `__eq__`); `is` compares identity (the same object). Use `is` only "
       "for singletons such as `None`, `True`/`False` or sentinel objects. Small ints and some strings are "
       "cached by CPython, so `is` may happen to work for them, but that's an implementation detail: "
       "never rely on it for values."),
    Topic("list-vs-tuple", "language", "comparison", (
        "When should I use a tuple instead of a list?",
        "What's the difference between a list and a tuple?",
        "Why are tuples immutable?",
    ), "Lists are mutable sequences, usually of items of one kind whose number varies. Tuples are immutable, "
       "often a fixed-size record where position means something (`(x, y)`). Because they're immutable and "
       "hashable (if their items are), tuples can be dict keys and set members. Annotate them as "
       "`list[str]` versus `tuple[int, int]` or `tuple[str, ...]`."),
    Topic("dict-get", "language", "comparison", (
        "dict[key] vs dict.get(key): which should I use?",
        "When should I use dict.get?",
        "What does dict.get return when the key is missing?",
    ), "`d[key]` raises `KeyError` if the key is missing: use it when the key must be there, so a bug "
       "surfaces immediately. `d.get(key)` returns `None` (or the default you pass) instead: use it when "
       "absence is normal. To a type checker `d.get(key)` is `V | None`, so you'll have to handle `None`. "
       "For counting or grouping, `collections.Counter` and `defaultdict` avoid the check entirely."),
    Topic("comprehensions", "language", "best-practice", (
        "When should I use a list comprehension instead of a loop?",
        "Are list comprehensions faster than for loops?",
        "Is a nested comprehension good style?",
    ), "Use a comprehension when you build a new collection from an iterable with a simple transform "
       "and filter: `[w.lower() for w in words if w]`. It's concise and a bit faster than appending in a "
       "loop. Switch to a plain loop when there are side effects, several statements, or more than one "
       "level of nesting; readability beats brevity."),
    Topic("exceptions-style", "language", "best-practice", (
        "Should I catch Exception in my code?",
        "What's wrong with a bare except?",
        "How specific should except clauses be?",
    ), "Catch the narrowest exception you can handle, around the smallest block that can raise it "
       "(`except FileNotFoundError:`). A bare `except:` also catches `KeyboardInterrupt` and `SystemExit`, "
       "and `except Exception` hides bugs such as typos (`NameError`). Catch broadly only at a boundary "
       "(a request handler, a worker loop) and log with the traceback (`logger.exception`)."),
    Topic("raise-from", "language", "concept", (
        "What does raise ... from ... do?",
        "How do I re-raise an exception with a different type but keep the original?",
        "What's exception chaining in Python?",
    ), "`raise ConfigError(\"bad port\") from exc` raises the new exception with `__cause__` set to the "
       "original, and the traceback shows both (\"The above exception was the direct cause...\"). Without "
       "`from`, Python still links them implicitly (\"During handling...\"). `from None` suppresses the "
       "original when it would only confuse the user."),
    Topic("gil", "language", "concept", (
        "What is the GIL?",
        "Why don't threads speed up CPU-bound Python code?",
        "Does Python have real multithreading?",
    ), "CPython's Global Interpreter Lock lets only one thread execute Python bytecode at a time, so threads "
       "don't make pure-Python CPU-bound code faster; they do help I/O-bound work, because the lock is "
       "released while waiting. For CPU-bound work use processes (`multiprocessing`, "
       "`ProcessPoolExecutor`) or native code that releases the GIL (NumPy). Python 3.13 offers an "
       "experimental free-threaded build without the GIL."),
    Topic("slots", "language", "concept", (
        "What does __slots__ do?",
        "When should I use __slots__ in a class?",
        "How does slots=True on a dataclass help?",
    ), "`__slots__` declares a fixed set of attributes, so instances have no per-instance `__dict__`: they "
       "use less memory, attribute access is slightly faster, and assigning an undeclared attribute raises "
       "`AttributeError`. Worth it for classes with many instances. With dataclasses, `@dataclass(slots=True)` "
       "(3.10+) generates it for you."),
    Topic("property", "language", "concept", (
        "What is @property for?",
        "Should I write getters and setters in Python?",
        "How do I make a computed attribute in a class?",
    ), "`@property` turns a method into an attribute read: `order.total` runs the method. Start with "
       "plain attributes; because you can switch to a property later without changing callers, Java-style "
       "`get_x()`/`set_x()` methods aren't needed. Add a `@total.setter` only when assignment should "
       "validate or transform. Keep properties cheap and free of surprising side effects."),
    Topic("fstrings", "language", "best-practice", (
        "Should I use f-strings, format() or % formatting?",
        "What's the modern way to format strings in Python?",
        "Can f-strings do number formatting?",
    ), "Use f-strings for most formatting: `f\"{name}: {total:,.2f} ({ratio:.1%})\"`. They're the most "
       "readable and fastest, support the full format-spec mini-language, and `f\"{x=}\"` prints the "
       "expression with its value for debugging. Exception: logging calls, where you pass arguments "
       "(`log.info(\"%s items\", n)`) so formatting only happens when the message is emitted."),
    Topic("pathlib", "language", "best-practice", (
        "Should I use pathlib or os.path?",
        "What's the advantage of pathlib.Path?",
        "How do I join paths in modern Python?",
    ), "Prefer `pathlib.Path`: paths are objects you join with `/` (`root / \"data\" / name`), with "
       "methods for the common operations (`.read_text()`, `.exists()`, `.glob(\"*.py\")`, `.suffix`, "
       "`.parent`). Most of the standard library accepts `Path` objects. `os.path` still works, and you "
       "may meet it in older code."),
    Topic("enum", "language", "concept", (
        "When should I use an Enum?",
        "What are the benefits of enum.Enum over string constants?",
        "What's StrEnum?",
    ), "Use an `Enum` for a fixed set of named values (states, kinds, modes): typos become errors instead "
       "of silent mismatches, you can iterate over the members, and type checkers know the allowed "
       "values. `StrEnum` (3.11+) members are also real strings, convenient for JSON and config. For "
       "a couple of literal strings in one signature, `Literal[...]` is lighter."),
    Topic("functools-cache", "language", "concept", (
        "What does functools.cache do?",
        "How do I memoize a function in Python?",
        "lru_cache vs cache?",
    ), "`@functools.cache` memoizes: it stores the result for each set of arguments and returns it on later "
       "calls without running the function again. Arguments must be hashable. `@lru_cache(maxsize=128)` "
       "bounds memory by evicting the least recently used entries; `cache` is the unbounded version. Be "
       "careful on methods: the cache keeps `self` alive."),
    Topic("star-args", "language", "concept", (
        "What do *args and **kwargs mean?",
        "How do keyword-only arguments work in Python?",
        "What does a bare * in a function signature mean?",
    ), "`*args` collects extra positional arguments into a tuple, `**kwargs` extra keyword arguments into a "
       "dict. A bare `*` in a signature makes the parameters after it keyword-only: `def read(path, *, "
       "start=None)` must be called as `read(p, start=3)`, which keeps calls readable. A `/` makes the "
       "parameters before it positional-only."),
    Topic("mutability-copy", "language", "concept", (
        "What's the difference between a shallow copy and a deep copy?",
        "Why did changing my copied list also change the original?",
        "When do I need copy.deepcopy?",
    ), "Assignment never copies: both names refer to the same object. A shallow copy (`list(xs)`, "
       "`xs.copy()`, `copy.copy`) makes a new outer container but shares the inner objects, so mutating a "
       "nested list shows up in both. `copy.deepcopy` copies recursively. Often the cleaner fix is to "
       "build new data instead of mutating shared structures."),
    Topic("walrus", "language", "concept", (
        "What does the := operator do?",
        "When is the walrus operator useful?",
        "Explain assignment expressions in Python.",
    ), "`:=` assigns inside an expression and yields the value, saving a repeated call or an extra line: "
       "`if (m := pattern.search(line)) is not None: print(m.group(1))`, or `while chunk := f.read(8192):`. "
       "Use it where it removes duplication; don't cram it into complex expressions."),
    Topic("match", "language", "concept", (
        "What is structural pattern matching in Python?",
        "How does the match statement work?",
        "Is match just a switch statement?",
    ), "`match` (3.10+) compares a value against patterns that can destructure it: literals, sequences "
       "(`case [x, y]:`), mappings (`case {\"type\": \"user\", \"id\": uid}:`), class patterns "
       "(`case Point(x=0):`), with guards (`case n if n > 0:`). It's more than a switch: it binds names from "
       "the matched structure. A bare name in a case captures rather than compares, so use dotted constants "
       "(`case Color.RED:`)."),
    Topic("itertools", "language", "concept", (
        "What are some useful itertools functions?",
        "How do I split an iterable into chunks of n?",
        "How can I iterate over pairs of consecutive items?",
    ), "A few worth knowing: `itertools.chain` (concatenate iterables), `groupby` (group consecutive items "
       "by key, so sort first), `islice` (slice any iterator), `product` and `combinations`, `pairwise` "
       "(3.10+, consecutive pairs) and `batched` (3.12+, chunks of n). They're lazy, so they work on large "
       "or infinite streams."),
    Topic("counter-defaultdict", "language", "concept", (
        "How do I count occurrences of items in a list?",
        "What's collections.Counter?",
        "Counter vs defaultdict(int)?",
    ), "`Counter(words)` counts hashable items in one pass and gives you `most_common(n)`, arithmetic "
       "between counters and zero for missing keys. `defaultdict(int)` is the general tool: it creates a "
       "default value for any missing key, so `counts[w] += 1` works, and `defaultdict(list)` groups items. "
       "For plain counting, `Counter` says what you mean."),
    Topic("global-state", "language", "best-practice", (
        "Why are global variables considered bad?",
        "How do I avoid module-level mutable state?",
        "What should I use instead of globals for configuration?",
    ), "Mutable globals create hidden coupling: any function can change them, behaviour depends on call "
       "order, and tests leak state into each other. Pass what a function needs as parameters, group "
       "related state in an object you create at startup, and load configuration once and hand it down. "
       "Module-level constants are fine."),
]
