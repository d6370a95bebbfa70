"""Direct answers: linting, formatting, packaging and environments."""

from core.data.build.topics import Topic

TOPICS = [
    Topic("ruff-what", "linting", "concept", (
        "What is ruff?",
        "Why are so many projects switching to ruff?",
        "What does ruff replace?",
    ), "Ruff is a Python linter and formatter written in Rust. It implements the rules of flake8 and "
       "many of its plugins, isort, pyupgrade, pydocstyle and more under one config, and is typically "
       "10-100x faster than the tools it replaces. `ruff check` lints (with `--fix` for safe fixes); "
       "`ruff format` is a Black-compatible formatter."),
    Topic("ruff-select", "linting", "best-practice", (
        "Which ruff rules should I enable?",
        "How do I choose ruff's rule set for a project?",
        "What do select and ignore do in ruff's config?",
    ), "Ruff's default is a subset of the `E` rules (pycodestyle) plus `F` (Pyflakes). A common next step is "
       "`select = [\"E\", \"F\", \"W\", \"I\", \"B\", \"UP\"]` under `[tool.ruff.lint]`: isort ordering, "
       "bugbear's likely bugs and pyupgrade's modern syntax. Add families deliberately, use `ignore` for "
       "the few rules you disagree with, and `per-file-ignores` for tests or generated code. Avoid "
       "`select = [\"ALL\"]` unless you're ready to curate a long ignore list."),
    Topic("noqa", "linting", "best-practice", (
        "How do I silence one ruff warning on a single line?",
        "What does # noqa do?",
        "Is it fine to add noqa comments everywhere?",
    ), "`# noqa: F401` on a line suppresses that rule there; always name the code, since a bare `# noqa` "
       "hides every rule on the line. Prefer fixing the code, and for a whole file or directory use "
       "`per-file-ignores` in the config (e.g. `F401` in `__init__.py` re-exports). Ruff's `RUF100` "
       "reports `noqa` comments that no longer suppress anything."),
    Topic("f401", "linting", "concept", (
        "What does ruff's F401 mean?",
        "How do I fix 'imported but unused'?",
        "Why does ruff flag an import in my __init__.py as unused?",
    ), "F401 is an import that is never used in the module. Usually you just delete it (`ruff check "
       "--fix` can). In an `__init__.py` that re-exports names, make the intent explicit: list them in "
       "`__all__` or use the redundant alias form `from .stock import Stock as Stock`, and ruff will leave "
       "them alone."),
    Topic("f821", "linting", "concept", (
        "What does ruff's F821 error mean?",
        "ruff says Undefined name. What's going on?",
        "How serious is an F821 violation?",
    ), "F821 means a name is used but never defined or imported in scope, so that line raises "
       "`NameError` when it runs. It's a real bug, not style: define the name, import it, or fix the typo. "
       "For names that only exist for type checking, import them under `if TYPE_CHECKING:` and quote the "
       "annotation (or use `from __future__ import annotations`)."),
    Topic("e711", "linting", "concept", (
        "Why does ruff complain about `== None`?",
        "What's E711 in ruff/pycodestyle?",
        "Should I write `x == None` or `x is None`?",
    ), "Write `x is None`. `None` is a singleton, so identity is the correct test, and `==` calls "
       "`__eq__`, which a class can override to return anything (NumPy arrays return an array). E711 flags "
       "`== None`/`!= None`; E712 is the similar rule for comparisons to `True`/`False`."),
    Topic("b006", "linting", "concept", (
        "What's wrong with a mutable default argument?",
        "Why does ruff flag `def f(items=[])`?",
        "What does bugbear's B006 warn about?",
    ), "Default values are evaluated once, when the function is defined, so every call shares the same "
       "list: items appended in one call are still there in the next. Use `None` and create the object "
       "inside:\n\n```python\ndef add(item, items: list[str] | None = None):\n    if items is None:\n"
       "        items = []\n```\n\nB006 flags mutable defaults (lists, dicts, sets)."),
    Topic("f841", "linting", "concept", (
        "What does F841 mean in ruff?",
        "How should I handle 'local variable is assigned to but never used'?",
        "ruff reports an unused variable. Can I just delete it?",
    ), "F841 is a local variable that is assigned and never read. Usually it is dead code and can be "
       "deleted, but check the right-hand side: if it has a side effect you need (a call), keep the call "
       "and drop only the assignment. If you must bind a value you don't use (unpacking), name it `_`."),
    Topic("i001", "linting", "concept", (
        "What is ruff's I001 rule?",
        "How do I fix 'Import block is un-sorted or un-formatted'?",
        "How does ruff sort imports?",
    ), "I001 is ruff's isort rule: an import block isn't in the expected order. The order is standard "
       "library, then third-party, then first-party packages, each group separated by a blank line and "
       "sorted alphabetically. It is auto-fixable: `ruff check --select I --fix`. Tell ruff which packages "
       "are yours with `known-first-party` if it can't work it out."),
    Topic("ruff-fix", "linting", "concept", (
        "What does ruff check --fix do?",
        "Is it safe to run ruff --fix automatically?",
        "What are unsafe fixes in ruff?",
    ), "`ruff check --fix` applies the fixes ruff marks as safe: they keep the code's behaviour (removing "
       "an unused import, sorting imports, rewriting `== None`). Unsafe fixes might change behaviour and "
       "only run with `--unsafe-fixes`. Safe fixes are fine in pre-commit or CI; still review the diff, and "
       "violations without a fix (like an undefined name) need you."),
    Topic("formatter-vs-linter", "linting", "comparison", (
        "What's the difference between a linter and a formatter?",
        "Do I need both ruff check and ruff format?",
        "Linter vs formatter: what does each one do?",
    ), "A formatter rewrites layout (whitespace, line breaks, quotes) to one canonical style and never "
       "changes meaning; you stop discussing style. A linter analyses code for likely bugs and bad "
       "patterns (unused imports, undefined names, mutable defaults) and reports them, sometimes with "
       "fixes. Use both: `ruff format` for layout and `ruff check` for problems."),
    Topic("black-vs-ruff-format", "linting", "comparison", (
        "Should I use black or ruff format?",
        "Is ruff format a drop-in replacement for Black?",
        "Black vs ruff format?",
    ), "`ruff format` is designed as a drop-in replacement for Black: the output matches Black's on the "
       "vast majority of code, and it is much faster. If you already use ruff for linting, one tool and "
       "config is simpler. Both are fine; what matters is running exactly one formatter, pinned, the "
       "same way in pre-commit and CI."),
    Topic("pre-commit", "linting", "best-practice", (
        "What is pre-commit and should I use it?",
        "How do I run ruff automatically before every commit?",
        "What's a sensible pre-commit setup for a Python project?",
    ), "pre-commit runs configured hooks on the staged files before each commit, from "
       "`.pre-commit-config.yaml`. A typical Python setup: ruff (`ruff check --fix` and `ruff format`), "
       "plus checks such as trailing whitespace. Install with `pre-commit install`. Run the same checks in "
       "CI (`pre-commit run --all-files`), since hooks can be skipped locally."),
    Topic("line-length", "linting", "best-practice", (
        "What line length should a Python project use?",
        "Is 79 characters still the right line length?",
        "How do I change the maximum line length in ruff?",
    ), "PEP 8 says 79, Black and ruff format default to 88, and many teams use 100 or 120. Pick one, "
       "set it once (`line-length = 100` under `[tool.ruff]`, which the linter and formatter both read) "
       "and let the formatter enforce it. Consistency matters more than the number."),
    Topic("pyproject", "packaging", "concept", (
        "What is pyproject.toml?",
        "Do I still need setup.py if I have pyproject.toml?",
        "What goes in pyproject.toml?",
    ), "`pyproject.toml` is the standard place for a Python project's build and tool config. "
       "`[build-system]` names the build backend (setuptools, hatchling, flit, pdm...), `[project]` holds "
       "the metadata (name, version, dependencies, scripts), and `[tool.*]` tables configure tools like "
       "ruff, mypy and pytest. With a modern backend you don't need `setup.py` unless you have custom "
       "build logic."),
    Topic("venv", "packaging", "best-practice", (
        "Why should I use a virtual environment?",
        "How do I create a virtual environment in Python?",
        "Is it bad to pip install into the system Python?",
    ), "A virtual environment gives each project its own interpreter and packages, so versions don't "
       "clash between projects and you don't break tools that depend on the system Python (many Linux "
       "distributions now refuse `pip install` there, per PEP 668). Create one with `python -m venv "
       ".venv`, activate it (`source .venv/bin/activate`), and keep `.venv` out of version control."),
    Topic("requirements-vs-pyproject", "packaging", "comparison", (
        "requirements.txt vs pyproject.toml dependencies: what's the difference?",
        "Should I list dependencies in requirements.txt or pyproject.toml?",
        "Why do some projects have both requirements.txt and pyproject.toml?",
    ), "`[project] dependencies` in `pyproject.toml` declares what your package needs, usually as "
       "ranges, and is installed with the package. A `requirements.txt` is typically a list of exact "
       "pins for reproducing one environment (an app's deployment, CI). Libraries declare ranges in "
       "pyproject; applications often add a lock or pinned requirements file on top."),
    Topic("lock-files", "packaging", "concept", (
        "What is a lock file in Python packaging?",
        "Why would I use uv.lock or poetry.lock?",
        "What problem do dependency lock files solve?",
    ), "A lock file records the exact version (and usually hashes) of every package in the resolved "
       "dependency tree, including transitive ones. Installing from it gives the same environment on every "
       "machine and in CI, so a new release of some indirect dependency can't break you overnight. Commit "
       "it for applications, regenerate it deliberately to upgrade, and keep your declared ranges in pyproject."),
    Topic("semver", "packaging", "concept", (
        "What does semantic versioning mean?",
        "How should I version my Python package?",
        "What's the difference between a major, minor and patch release?",
    ), "Semantic versioning is MAJOR.MINOR.PATCH: bump PATCH for bug fixes, MINOR for backward-compatible "
       "features, MAJOR for breaking changes. It's a promise about compatibility, so it only helps if you "
       "decide what your public API is. Python versions also follow PEP 440 (pre-releases like `1.2.0rc1`)."),
    Topic("src-layout", "packaging", "comparison", (
        "src layout vs flat layout: which should I use?",
        "Why do some Python projects put the package under src/?",
        "What are the advantages of the src layout?",
    ), "In the src layout the package lives in `src/mypkg/`, so it isn't importable from the project root "
       "by accident: tests run against the installed package, catching packaging mistakes such as "
       "missing files. The flat layout (`mypkg/` at the root) is simpler and common in small projects and "
       "applications. Both work with modern build backends."),
    Topic("wheel-sdist", "packaging", "comparison", (
        "What's the difference between a wheel and an sdist?",
        "Should I publish wheels or source distributions?",
        "What is a Python wheel?",
    ), "An sdist (`.tar.gz`) is the source plus metadata; installing it runs the build backend, which may "
       "need compilers. A wheel (`.whl`) is a built archive that's installed by unpacking, with no build "
       "step: fast and reproducible. Publish both: the wheel for installs, the sdist for people and "
       "platforms that build from source. Build them with `python -m build`."),
    Topic("entry-points", "packaging", "concept", (
        "How do I make my package install a command-line command?",
        "What does [project.scripts] do in pyproject.toml?",
        "How do console scripts work in Python packaging?",
    ), "Declare it under `[project.scripts]`: `mytool = \"mypkg.cli:main\"`. On install, pip creates an "
       "executable `mytool` on the PATH that imports `mypkg.cli` and calls `main()`, whose return value "
       "becomes the exit code. It works the same in virtual environments and with pipx."),
    Topic("dunder-main", "packaging", "concept", (
        "What does if __name__ == '__main__' do?",
        "Why do Python scripts check __name__ == \"__main__\"?",
        "What is __main__.py in a package?",
    ), "`__name__` is `\"__main__\"` only in the module Python was asked to run, so code under that `if` "
       "runs when you execute the file as a script but not when it's imported. A package's "
       "`__main__.py` is what `python -m mypkg` runs. Keep the logic in functions and call `main()` there."),
    Topic("python-m", "packaging", "best-practice", (
        "Why run python -m pip instead of pip?",
        "What's the difference between `pytest` and `python -m pytest`?",
        "When should I use python -m to run a tool?",
    ), "`python -m pip` runs pip with exactly that interpreter, so packages go into the environment you "
       "think; a bare `pip` may belong to another Python on the PATH. `python -m pytest` also puts the "
       "current directory on `sys.path`, which can change imports compared with plain `pytest`."),
    Topic("uv", "packaging", "concept", (
        "What is uv?",
        "Should I use uv instead of pip?",
        "What does uv do that pip doesn't?",
    ), "uv is a fast Python package and project manager written in Rust. It offers a pip-compatible "
       "interface (`uv pip install`), creates virtual environments, manages Python versions, and has a "
       "project workflow with a cross-platform lock file (`uv add`, `uv lock`, `uv sync`, `uv run`). It is "
       "much faster than pip; pip remains the universal baseline that is always available."),
    Topic("dependency-groups", "packaging", "best-practice", (
        "Where should I declare test and dev dependencies?",
        "How do I separate development dependencies from runtime ones?",
        "optional-dependencies vs dependency-groups for dev tools?",
    ), "Keep them out of `[project] dependencies`, which every user installs. Common options: "
       "`[project.optional-dependencies] test = [\"pytest\"]`, installed with `pip install -e \".[test]\"` "
       "(visible to users as an extra), or PEP 735 `[dependency-groups]`, which are never published with "
       "the package and are supported by uv and recent pip."),
    Topic("ci-checks", "linting", "best-practice", (
        "What checks should a Python project run in CI?",
        "What's a good minimal CI pipeline for a Python library?",
        "Which tools should run on every pull request?",
    ), "At minimum: the linter (`ruff check`), the formatter in check mode (`ruff format --check`), the "
       "type checker (`mypy`), and the tests (`pytest`), on every Python version you support. Fail on any "
       "of them. Add coverage reporting and a build of the package (`python -m build`) if you publish it."),
    Topic("pyc-pycache", "packaging", "concept", (
        "What are __pycache__ folders?",
        "Should I commit __pycache__ to git?",
        "What are .pyc files?",
    ), "`__pycache__` holds compiled bytecode (`.pyc`) that Python writes when it imports a module, so the "
       "next import can skip compiling if the source hasn't changed. They're regenerated automatically and "
       "specific to the interpreter version, so never commit them: add `__pycache__/` to `.gitignore`. "
       "`PYTHONDONTWRITEBYTECODE=1` stops Python writing them."),
    Topic("logging-vs-print", "language", "best-practice", (
        "Should I use print or logging in my application?",
        "Why use the logging module instead of print?",
        "How should a library do logging?",
    ), "Use `logging` for diagnostics: levels, timestamps, destinations and formats are configured once "
       "at the application's entry point, and messages can be silenced or routed without changing code. "
       "In a library, create `logger = logging.getLogger(__name__)` and never configure handlers; the "
       "application decides. Keep `print` for the program's actual output."),
]
