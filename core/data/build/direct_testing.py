"""Direct answers: testing with pytest."""

from core.data.build.topics import Topic

TOPICS = [
    Topic("fixture-basics", "testing", "concept", (
        "What is a pytest fixture?",
        "How do pytest fixtures work?",
        "Explain pytest fixtures to someone used to unittest's setUp.",
    ), "A fixture is a function decorated with `@pytest.fixture` that builds something a test needs; a "
       "test asks for it by naming it as a parameter, and pytest calls the fixture and passes the result. "
       "Code after a `yield` in the fixture runs as teardown. Compared with `setUp`, fixtures are "
       "explicit per test, composable (fixtures can use fixtures) and shareable through `conftest.py`."),
    Topic("parametrize", "testing", "concept", (
        "How do I run the same pytest test with several inputs?",
        "What does @pytest.mark.parametrize do?",
        "How can I avoid copy-pasting a test for each input case?",
    ), "Use `@pytest.mark.parametrize`:\n\n```python\n@pytest.mark.parametrize(\"text, expected\", [\n"
       "    (\"a b\", 2),\n    (\"\", 0),\n])\ndef test_word_count(text, expected):\n    assert word_count(text) "
       "== expected\n```\n\nEach tuple becomes its own test with its own id in the report, so one failing "
       "case doesn't hide the others. Add `ids=[...]` or `pytest.param(..., id=\"empty\")` for readable names."),
    Topic("monkeypatch", "testing", "concept", (
        "What is pytest's monkeypatch fixture for?",
        "How do I temporarily set an environment variable in a pytest test?",
        "How can I replace a function during one test only?",
    ), "`monkeypatch` changes things for the duration of one test and undoes them afterwards: "
       "`monkeypatch.setenv(\"API_URL\", \"http://test\")`, `monkeypatch.setattr(module, \"now\", lambda: 0)`, "
       "`monkeypatch.chdir(tmp_path)`, `monkeypatch.delitem(...)`. Patch the name where it is looked up "
       "(the module that uses it), not where it was defined."),
    Topic("tmp-path", "testing", "best-practice", (
        "How should tests that write files get a temporary directory?",
        "What's tmp_path in pytest?",
        "tmp_path vs tmpdir: which one should I use?",
    ), "Ask for the `tmp_path` fixture: a fresh `pathlib.Path` directory unique to the test, kept for "
       "the last few runs so you can inspect failures. `tmpdir` is the older `py.path` version; prefer "
       "`tmp_path`. For a directory shared by a whole session, use `tmp_path_factory`. Never write into "
       "the source tree from a test."),
    Topic("raises", "testing", "concept", (
        "How do I test that a function raises an exception with pytest?",
        "What's the pytest way to assert an error is raised?",
        "How can I check both the exception type and its message in a test?",
    ), "Use `pytest.raises` as a context manager:\n\n```python\nwith pytest.raises(ValueError, match=\"negative\"):\n"
       "    withdraw(-5)\n```\n\n`match` is a regex searched in `str(exc)`. Use `as excinfo` to inspect the "
       "exception afterwards (`excinfo.value.args`). Keep the block small so the exception can only come "
       "from the call you mean."),
    Topic("approx", "testing", "concept", (
        "How do I compare floats in a pytest assertion?",
        "Why does assert 0.1 + 0.2 == 0.3 fail, and what should I use instead?",
        "What does pytest.approx do?",
    ), "Floats are binary approximations, so `0.1 + 0.2` is `0.30000000000000004`. Compare with "
       "`assert value == pytest.approx(0.3)`, which allows a relative tolerance of 1e-6 by default; pass "
       "`rel=` or `abs=` to change it. It also works element-wise on lists and dicts of numbers. Outside "
       "tests, `math.isclose` does the same job."),
    Topic("skip-xfail", "testing", "comparison", (
        "What's the difference between skip and xfail in pytest?",
        "When should I mark a test xfail instead of skipping it?",
        "pytest.mark.skip vs pytest.mark.xfail?",
    ), "`skip` doesn't run the test at all: use it when it can't run here (wrong platform, missing "
       "optional dependency; `skipif` takes a condition). `xfail` runs the test and expects it to fail: "
       "use it for a known bug, so the suite stays green but you notice when it starts passing "
       "(`strict=True` turns an unexpected pass into a failure)."),
    Topic("k-flag", "testing", "concept", (
        "How do I run only some tests with pytest from the command line?",
        "What does pytest -k do?",
        "How can I select tests by name in pytest?",
    ), "`pytest -k \"expr\"` runs the tests whose names (and parent names, such as the module or class) "
       "match a keyword expression: `-k total` matches substrings, `-k \"total and not slow\"` combines "
       "them. You can also pass a node id, `pytest tests/test_stock.py::test_remove`, or select by marker "
       "with `-m slow`."),
    Topic("conftest", "testing", "concept", (
        "What is conftest.py for?",
        "Where should I put pytest fixtures shared by several test files?",
        "Do I need to import fixtures from conftest.py?",
    ), "`conftest.py` holds fixtures and hooks for its directory and everything below it. pytest finds it "
       "automatically, so tests use those fixtures by name without importing anything. Put widely used "
       "fixtures in `tests/conftest.py` and narrower ones in a subdirectory's own `conftest.py`."),
    Topic("mock", "testing", "best-practice", (
        "When should I use mocks in tests?",
        "Is it a good idea to mock everything in unit tests?",
        "What are the downsides of heavy mocking?",
    ), "Mock at the boundaries you don't control or can't run cheaply: the network, the clock, "
       "randomness, external services. Mocking your own internals ties tests to the implementation, so "
       "they break on refactors and can pass while the real integration is broken. Prefer real objects or "
       "simple fakes (an in-memory repository, an injected clock), and use `unittest.mock.create_autospec` "
       "so a mock keeps the real signature."),
    Topic("unittest-mock-patch", "testing", "concept", (
        "Why doesn't my mock.patch have any effect?",
        "Where do I patch with unittest.mock.patch?",
        "I patched a function but the code still calls the real one. Why?",
    ), "Patch the name where it is looked up, not where it is defined. If `app/service.py` does "
       "`from app.clock import now`, the module has its own reference, so patch `app.service.now`, not "
       "`app.clock.now`. If it does `import app.clock` and calls `app.clock.now()`, patching "
       "`app.clock.now` works."),
    Topic("coverage", "testing", "best-practice", (
        "How do I measure test coverage in a Python project?",
        "Is 100% test coverage a good goal?",
        "What does branch coverage add over line coverage?",
    ), "Run the tests under coverage.py, e.g. `pytest --cov=mypackage --cov-report=term-missing` with "
       "pytest-cov, and enable branch coverage (`--cov-branch`) so untaken `if`/`else` paths count. "
       "Coverage shows what is never executed; it can't tell you the assertions are meaningful. Use it to "
       "find untested code, and set a threshold that stops it dropping rather than chasing 100%."),
    Topic("test-isolation", "testing", "best-practice", (
        "Why do my tests pass alone but fail when run together?",
        "How do I find tests that depend on each other?",
        "What causes order-dependent test failures?",
    ), "Tests leak state: module-level globals, caches, environment variables, the working directory, "
       "files or a shared database. Make each test build its own state through fixtures, undo changes "
       "(`monkeypatch` does that for you) and avoid mutable module globals. Running in random order "
       "(pytest-randomly) or running the failing test together with its predecessor pinpoints the leak."),
    Topic("test-naming", "testing", "concept", (
        "How does pytest find tests?",
        "Why isn't pytest collecting my test function?",
        "What naming rules does pytest use for test discovery?",
    ), "By default pytest collects files named `test_*.py` or `*_test.py`, and inside them functions "
       "named `test*` and methods named `test*` in classes named `Test*` that have no `__init__`. "
       "`testpaths` in the config limits where it looks. A test that isn't collected usually has a "
       "name outside these patterns, lives outside `testpaths`, or is in a class with an `__init__`."),
    Topic("assert-rewriting", "testing", "concept", (
        "Why does pytest use plain assert instead of assertEqual?",
        "How does pytest show the values in a failed assert?",
        "What is pytest's assertion rewriting?",
    ), "pytest rewrites `assert` statements in test modules when it imports them, so a failure shows the "
       "intermediate values, for example `assert 500 == 900` with where-clauses for each call. That makes "
       "`assertEqual`-style methods unnecessary. It only applies to test modules and `conftest.py` (and "
       "plugins); other modules can opt in with `pytest.register_assert_rewrite`."),
    Topic("markers", "testing", "concept", (
        "How do I mark some tests as slow and skip them by default?",
        "What are pytest markers?",
        "How do I register custom pytest markers?",
    ), "Decorate tests with `@pytest.mark.slow`, register the marker in the config (`markers = [\"slow: "
       "takes minutes\"]` under `[tool.pytest.ini_options]`, and `--strict-markers` turns typos into "
       "errors), then select with `-m \"not slow\"` or `-m slow`. To skip them unless asked, add "
       "`-m \"not slow\"` to `addopts`, or use a `conftest.py` hook with a `--runslow` option."),
    Topic("capsys", "testing", "concept", (
        "How do I test what a function prints?",
        "What is the capsys fixture in pytest?",
        "How can a pytest test check stdout output?",
    ), "Ask for the `capsys` fixture and read what was printed: `out, err = capsys.readouterr()`, then "
       "`assert out == \"hello\\n\"`. For logging use `caplog` (`caplog.records`, `caplog.text`). Often the "
       "better design is to have the function return the text and print it at the edge of the program."),
    Topic("tdd", "testing", "concept", (
        "What is test-driven development?",
        "What does red-green-refactor mean?",
        "Is TDD worth it?",
    ), "TDD means writing a failing test first (red), then the least code that makes it pass (green), "
       "then cleaning up while the tests stay green (refactor). It pushes you to define behaviour "
       "before implementation and keeps designs testable. It pays off most for logic with clear inputs and "
       "outputs; for exploratory or UI-heavy work, many teams write tests right after instead."),
    Topic("unit-vs-integration", "testing", "comparison", (
        "What's the difference between unit tests and integration tests?",
        "Unit tests vs integration tests: how should I balance them?",
        "Do I need integration tests if I have good unit tests?",
    ), "Unit tests check one piece of logic in isolation: fast, precise about what broke. Integration "
       "tests check that real parts work together (your code with the database, the HTTP layer, the file "
       "system): slower, but they catch wiring and configuration bugs unit tests can't. Keep many fast unit "
       "tests for the logic and a smaller set of integration tests over the important paths."),
    Topic("hypothesis", "testing", "concept", (
        "What is property-based testing?",
        "What does the hypothesis library do?",
        "When is property-based testing useful?",
    ), "Instead of hand-picked examples, you state a property that must hold for all inputs and let a "
       "library such as Hypothesis generate many inputs, shrinking any failure to a minimal example: "
       "`@given(st.lists(st.integers()))` then `assert sorted(sorted(xs)) == sorted(xs)`. It shines for "
       "parsers, serialisation round-trips (`decode(encode(x)) == x`) and functions with invariants."),
    Topic("exit-codes", "testing", "concept", (
        "What do pytest's exit codes mean?",
        "pytest exited with code 5. What does that mean?",
        "Which exit code does pytest return when tests fail?",
    ), "0: all collected tests passed. 1: some tests failed. 2: the run was interrupted (e.g. Ctrl-C). "
       "3: an internal error. 4: a usage error (bad command line). 5: no tests were collected, which "
       "often means a wrong path or naming pattern. CI treats anything non-zero as failure."),
    Topic("flaky", "testing", "best-practice", (
        "How should I deal with flaky tests?",
        "A test fails randomly one time in twenty. What should I do?",
        "Is it OK to just rerun flaky tests?",
    ), "Treat flakiness as a bug: it hides real failures and teaches people to ignore red builds. Common "
       "causes are time (`sleep`, real clocks), ordering, shared state, randomness without a seed and "
       "network calls. Inject a clock, seed random generators, wait for conditions instead of sleeping, "
       "and isolate state. Retrying (pytest-rerunfailures) is a stopgap, not a fix."),
    Topic("pytest-vs-unittest", "testing", "comparison", (
        "pytest or unittest: which should I use?",
        "What are the advantages of pytest over the built-in unittest?",
        "Can pytest run my existing unittest tests?",
    ), "pytest runs `unittest` tests as they are, so you can switch without rewriting. It adds plain "
       "`assert` with detailed failure output, fixtures instead of `setUp` hierarchies, parametrization, "
       "markers and a large plugin ecosystem. `unittest` needs no dependency, which matters in the standard "
       "library or very constrained environments; otherwise most projects choose pytest."),
    Topic("doctest", "testing", "concept", (
        "What are doctests?",
        "Should I use doctests in my project?",
        "How do I run doctests with pytest?",
    ), "Doctests are interactive examples in docstrings (`>>> add(2, 3)` followed by `5`) that are "
       "executed and compared with the shown output. They keep documentation examples honest; they're "
       "poor for edge cases and setup-heavy tests. Run them with `pytest --doctest-modules`."),
    Topic("fixture-vs-function", "testing", "best-practice", (
        "Should test setup go in a fixture or a plain function?",
        "When is a pytest fixture overkill?",
        "Fixture vs factory function for building test data?",
    ), "Use a fixture when setup needs teardown, is shared across files, or depends on other fixtures. "
       "For building test data with different values per test, a plain function or a factory fixture "
       "(a fixture returning a function, `make_item(sku=\"apple\")`) reads better than many near-identical "
       "fixtures. Keep the values that matter to a test visible in that test."),
]
