"""Direct answers: design practices, and how to use the tools (questions that mention a tool but
need no tool call: the user asks how, not what the project's result is)."""

from core.data.build.topics import Topic

TOPICS = [
    Topic("eafp-lbyl", "language", "comparison", (
        "EAFP vs LBYL: which style is more Pythonic?",
        "Should I check if a key exists before accessing it, or catch KeyError?",
        "What does 'easier to ask forgiveness than permission' mean in Python?",
    ), "LBYL (look before you leap) checks first: `if key in d: use(d[key])`. EAFP tries and handles the "
       "failure: `try: use(d[key]) except KeyError: ...`. Python leans towards EAFP, especially where a "
       "check could race with the action (files: the file can disappear between `exists()` and `open()`). "
       "Use LBYL when the missing case is common and the check is cheap and clear."),
    Topic("composition", "design", "comparison", (
        "Composition or inheritance: which should I prefer?",
        "When is inheritance the wrong tool?",
        "Why do people say favour composition over inheritance?",
    ), "Inherit when the subclass truly is a specialised version of the base and can be used anywhere the "
       "base is expected. Otherwise compose: hold the other object as an attribute and call it. "
       "Composition keeps classes small, avoids fragile deep hierarchies and lets you swap parts (for "
       "example inject a fake clock in tests). Shared behaviour without a hierarchy can also come from "
       "plain functions."),
    Topic("early-return", "design", "best-practice", (
        "Are early returns good style?",
        "How do I reduce deeply nested if statements?",
        "What is a guard clause?",
    ), "A guard clause handles the special case first and returns (or raises) right away: `if not items: "
       "return 0`. The main logic then runs unindented, instead of inside several levels of `if`/`else`. "
       "It makes the preconditions visible at the top and is generally good style in Python."),
    Topic("pep8-names", "design", "concept", (
        "What are Python's naming conventions?",
        "snake_case or camelCase for Python functions?",
        "How does PEP 8 say to name classes, constants and modules?",
    ), "PEP 8: `snake_case` for functions, methods, variables and modules; `CapWords` for classes "
       "(and type variables, often short like `T`); `UPPER_CASE` for module-level constants. A leading "
       "underscore (`_helper`) marks something internal. Ruff's `N` rules (pep8-naming) can enforce this."),
    Topic("docstrings", "design", "best-practice", (
        "What should a good docstring contain?",
        "Google style vs NumPy style docstrings?",
        "Do I need docstrings if I have type hints?",
    ), "Say what the function does and why you'd call it, in one summary line, then whatever isn't "
       "obvious from the signature: what the arguments mean, what is returned, which exceptions can be "
       "raised, side effects. With type hints you don't need to repeat types. Google and NumPy style are "
       "both fine; pick one, since tools like Sphinx's napoleon read both."),
    Topic("subprocess-shell", "language", "best-practice", (
        "Is subprocess with shell=True dangerous?",
        "How should I run an external command from Python?",
        "subprocess.run vs os.system?",
    ), "Use `subprocess.run([\"git\", \"status\"], check=True, capture_output=True, text=True)`: the list "
       "form passes arguments directly, without a shell. `shell=True` with any user-controlled input "
       "invites shell injection; if you need it, quote with `shlex.quote`. `os.system` gives you only an "
       "exit status and always uses the shell. Set `timeout=` for commands that might hang."),
    Topic("datetime-tz", "language", "best-practice", (
        "Should I use naive or timezone-aware datetimes?",
        "What's wrong with datetime.utcnow()?",
        "How do I handle time zones in Python?",
    ), "Use aware datetimes: `datetime.now(timezone.utc)`, store and compute in UTC, and convert to local "
       "time only for display (`zoneinfo.ZoneInfo(\"Europe/Berlin\")`). Naive datetimes carry no zone, "
       "so mixing them silently gives wrong results. `datetime.utcnow()` returns a naive value and is "
       "deprecated since 3.12."),
    Topic("json-pickle", "language", "comparison", (
        "Should I store data as JSON or with pickle?",
        "Is it safe to load pickle files?",
        "When is pickle the right choice?",
    ), "Prefer JSON (or another plain format) for anything stored or exchanged: it's readable, language-"
       "neutral and safe to parse. Unpickling runs arbitrary code, so never load a pickle from an untrusted "
       "source; pickles are also tied to your classes and Python version. Pickle is fine for short-lived "
       "data between processes you control (multiprocessing uses it)."),
    Topic("profiling", "language", "best-practice", (
        "How do I find out why my Python code is slow?",
        "What tools can profile Python code?",
        "cProfile or timeit?",
    ), "Measure before optimising. `python -m cProfile -s cumtime script.py` shows where the time goes per "
       "function; a sampling profiler such as py-spy attaches to a running process with little overhead. "
       "Use `timeit` to compare small alternatives. Usually the win is a better algorithm or data structure "
       "(a set instead of a list for membership), not micro-tweaks."),
    Topic("seeds", "testing", "best-practice", (
        "How do I make code that uses random numbers testable?",
        "Why seed the random number generator?",
        "How can I get reproducible results with random?",
    ), "Pass a generator in rather than using the global one: `rng = random.Random(seed)` (or "
       "`numpy.random.default_rng(seed)`), and let tests pass a fixed seed. The same seed gives the same "
       "sequence, so failures reproduce. Record the seed of each run so you can replay it."),
    Topic("how-run-mypy", "typing", "concept", (
        "How do I run mypy on my project?",
        "What's the command to type-check a Python package with mypy?",
        "Where do I put mypy's configuration?",
    ), "Install it in the project's environment and run `mypy src/` (or `mypy .`, or the package name). "
       "Put settings under `[tool.mypy]` in `pyproject.toml` (or `mypy.ini`), e.g. `python_version`, "
       "`strict = true`, and `[[tool.mypy.overrides]]` for per-module settings. Run it in CI so the checks "
       "aren't optional."),
    Topic("how-run-ruff-file", "linting", "concept", (
        "How do I lint a single file with ruff?",
        "What's the ruff command to check only one directory?",
        "How do I make ruff print its results as JSON?",
    ), "Pass the path: `ruff check src/app/models.py` or `ruff check tests/`. The project's config still "
       "applies. `--output-format json` gives machine-readable output, `--select F401` restricts to "
       "certain rules for one run, and `--statistics` shows counts per rule."),
    Topic("how-pytest-one-test", "testing", "concept", (
        "How do I run a single test function with pytest?",
        "What's the syntax to run one test in a file with pytest?",
        "How do I rerun only the tests that failed last time?",
    ), "Give the node id: `pytest tests/test_stock.py::test_remove` (add `::TestClass::test_x` for methods). "
       "`-k name` selects by keyword, `--lf` reruns only the last failures, `-x` stops at the first "
       "failure, and `-vv` shows more detail."),
    Topic("how-read-pytest-output", "testing", "concept", (
        "What do the dots, F and s characters mean in pytest output?",
        "How do I read pytest's progress output?",
        "What does E mean in pytest's output, as opposed to F?",
    ), "Each character is one test: `.` passed, `F` failed (an assertion or exception in the test), `E` "
       "error (something failed in a fixture's setup or teardown, or during collection), `s` skipped, `x` "
       "expected failure, `X` unexpectedly passed. The summary line totals them; `-ra` lists the reasons "
       "for skips and failures at the end."),
    Topic("mypy-vs-pyright", "typing", "comparison", (
        "mypy or pyright: which type checker should I use?",
        "What's the difference between mypy and pyright?",
        "Can I use both mypy and pyright?",
    ), "Both implement the Python typing spec. mypy is the reference checker, configurable per module and "
       "extensible with plugins (for example for Django or pydantic). Pyright is faster, powers the VS Code "
       "(Pylance) experience and infers more in unannotated code. They disagree on some edge cases, so run "
       "one of them in CI as the source of truth; using the other in the editor is fine."),
    Topic("ruff-vs-flake8", "linting", "comparison", (
        "Why use ruff instead of flake8?",
        "Can ruff replace flake8 and its plugins?",
        "flake8 vs ruff: is migrating worth it?",
    ), "Ruff reimplements flake8's rules and those of popular plugins (bugbear, comprehensions, "
       "simplify...) plus isort and pyupgrade, runs much faster and is configured in one place in "
       "pyproject. Migrating is usually quick: map your enabled plugins to ruff rule prefixes. Stay on "
       "flake8 only if you depend on a plugin ruff doesn't implement."),
    Topic("type-vs-lint-vs-test", "testing", "comparison", (
        "Type checker, linter and tests: what does each one catch?",
        "If I have good tests, do I still need mypy and ruff?",
        "How do mypy, ruff and pytest complement each other?",
    ), "They catch different bugs. The type checker proves type consistency across the whole code base "
       "without running it (a `None` passed where an object is needed, a wrong return type). The linter "
       "finds suspicious patterns and style problems in each file (unused imports, undefined names, mutable "
       "defaults). Tests check behaviour: that the code computes the right results for the cases you wrote. "
       "Fast to slow: lint, type-check, test."),
    Topic("refactor-safely", "design", "best-practice", (
        "How do I refactor code safely?",
        "What's a safe way to restructure a messy module?",
        "Should I refactor and change behaviour in the same commit?",
    ), "Make sure tests cover the behaviour first (add characterisation tests if needed), then change "
       "structure in small steps, running tests, type checker and linter after each. Keep refactoring "
       "separate from behaviour changes, in different commits, so reviewers can check each one and a "
       "regression is easy to bisect."),
    Topic("config-loading", "design", "best-practice", (
        "How should a Python application load its configuration?",
        "Environment variables or config files for settings?",
        "What's a good pattern for application settings?",
    ), "Load configuration once at startup into a typed object (a dataclass or a settings model), "
       "validate it there and fail fast with a clear message, then pass it to the code that needs it. Use "
       "files for structured settings and environment variables for deployment-specific values and "
       "secrets; never commit secrets."),
    Topic("small-functions", "design", "best-practice", (
        "How long should a function be?",
        "When should I split a function into smaller ones?",
        "Is it bad to have a 200-line function?",
    ), "There's no magic number; split when a function does more than one thing you can name, when you "
       "need comments to mark its sections, or when parts are hard to test alone. A long function with one "
       "straight-line job can be fine, but a 200-line function usually hides several responsibilities and "
       "deep nesting. Name the extracted pieces after what they do."),
    Topic("errors-messages", "design", "best-practice", (
        "What makes a good error message?",
        "How should my program report bad input to users?",
        "Should users see a traceback when their input file is wrong?",
    ), "Say what was wrong, where, and what to do: `config.toml:12: train.iters: must be at least 1; got "
       "0`. Report all the problems you can find at once rather than one per run. Tracebacks are for bugs "
       "in the program; for bad input, catch the error at the boundary and print a clear message with a "
       "non-zero exit code."),
    Topic("sort-key", "language", "concept", (
        "How do I sort a list of objects by an attribute?",
        "What does the key argument of sorted do?",
        "How do I sort by several fields, one of them descending?",
    ), "Pass a key function: `sorted(items, key=lambda i: i.price)`, or `operator.attrgetter(\"price\")`. "
       "For several fields return a tuple: `key=lambda i: (i.category, -i.price)` sorts by category, then "
       "price descending. Python's sort is stable, so you can also sort in several passes, least "
       "important key first."),
    Topic("abc-abstractmethod", "design", "concept", (
        "What does @abstractmethod do?",
        "Why can't I instantiate my class that inherits from ABC?",
        "How do abstract methods work in Python?",
    ), "In a class that derives from `abc.ABC`, a method decorated with `@abstractmethod` must be "
       "overridden: Python refuses to instantiate any subclass that still has an abstract method "
       "(`TypeError: Can't instantiate abstract class ... with abstract method ...`). Implement every "
       "abstract method in the concrete subclass, and the error goes away."),
]
