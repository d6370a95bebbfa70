"""Direct answers: Python typing and mypy."""

from core.data.build.topics import Topic

TOPICS = [
    Topic("optional", "typing", "concept", (
        "What does Optional[int] mean in a type hint?",
        "Is Optional[X] the same thing as X | None?",
        "Does Optional[str] mean the argument can be left out?",
    ), "`Optional[int]` means \"an `int` or `None`\"; it is exactly `int | None` (the `|` spelling needs "
       "Python 3.10+, or `from __future__ import annotations` in annotations). It does not make a "
       "parameter optional to pass: only a default value does that. A type checker makes you handle "
       "the `None` case (for example `if x is not None:`) before you use the value as an `int`."),
    Topic("typevar", "typing", "concept", (
        "What is a TypeVar for?",
        "How do I write a generic function in Python so the return type follows the argument type?",
        "Explain TypeVar with a small example.",
    ), "A `TypeVar` links types across a signature, so the checker can carry the caller's type through:\n\n"
       "```python\nfrom typing import TypeVar\n\nT = TypeVar(\"T\")\n\ndef first(items: list[T]) -> T:\n"
       "    return items[0]\n```\n\n`first([1, 2])` is an `int`, `first([\"a\"])` a `str`. On Python 3.12+ you "
       "can write `def first[T](items: list[T]) -> T:` instead. Bound it (`TypeVar(\"T\", bound=Number)`) "
       "when the function needs some capability of the type."),
    Topic("typeddict", "typing", "concept", (
        "What is a TypedDict and when would I use one?",
        "How can I type a dictionary whose keys are fixed strings with different value types?",
        "Explain TypedDict in a couple of sentences.",
    ), "A `TypedDict` describes a dict with a fixed set of string keys, each with its own value type: "
       "`class Movie(TypedDict): title: str; year: int`. At runtime it is a plain `dict`, so it suits "
       "JSON-like data you receive or pass on (API payloads, config). Mark keys that may be absent with "
       "`NotRequired[...]` (or `total=False`). If you control the data and want attribute access or "
       "validation, a dataclass or a model class is usually the better fit."),
    Topic("literal", "typing", "concept", (
        "What does typing.Literal do?",
        "How do I restrict a string parameter to a few allowed values in a type hint?",
        "When should I use Literal types?",
    ), "`Literal[\"r\", \"w\"]` accepts only those exact values, so a type checker rejects `open_mode(\"x\")` "
       "at check time. Use it for small closed sets of strings, ints or bools (modes, flags, log levels). "
       "It is checked statically only; nothing stops a wrong value at runtime unless you validate it. "
       "For a set you iterate over or attach behaviour to, an `Enum` is often the better choice."),
    Topic("final", "typing", "concept", (
        "What is typing.Final used for?",
        "How do I mark a module-level constant so mypy complains if it's reassigned?",
        "Does Final make a variable immutable at runtime?",
    ), "`MAX_RETRIES: Final = 3` tells the type checker the name must never be reassigned (and a "
       "`Final` class attribute must not be overridden in a subclass). It is purely static: Python "
       "itself does not stop reassignment, and `Final` says nothing about mutating the object, so a "
       "`Final` list can still be appended to. Use `tuple`/`frozenset` for contents that must not change."),
    Topic("cast", "typing", "best-practice", (
        "When is it OK to use typing.cast?",
        "What does cast() actually do at runtime?",
        "Is typing.cast a safe way to silence mypy?",
    ), "`cast(T, value)` does nothing at runtime: it returns `value` unchanged and only tells the type "
       "checker to treat it as `T`. That makes it a promise you cannot take back, so use it sparingly, "
       "when you know more than the checker (for example the result of `json.loads` you have just "
       "validated). Prefer narrowing that is checked: `isinstance`, `assert x is not None`, or a "
       "`TypeGuard` function."),
    Topic("type-ignore", "typing", "best-practice", (
        "How should I use `# type: ignore` comments?",
        "Is it bad practice to put type: ignore on lines mypy complains about?",
        "What's the right way to silence one specific mypy error?",
    ), "Silence one error, not the line: `# type: ignore[arg-type]` names the error code, so other "
       "problems on the same line still show up. Add a short reason when it isn't obvious. Turn on "
       "`warn_unused_ignores = true` so stale ignores are reported once the underlying problem is fixed. "
       "If you need many ignores for one third-party package, configure it once in the mypy config "
       "(`[[tool.mypy.overrides]]` with `ignore_missing_imports`) instead."),
    Topic("mypy-strict", "typing", "concept", (
        "What does mypy's --strict flag turn on?",
        "Should I run mypy in strict mode?",
        "What's the difference between plain mypy and mypy --strict?",
    ), "By default mypy skips the bodies of unannotated functions and accepts implicit `Any`. "
       "`--strict` enables a bundle of checks: it requires annotations everywhere "
       "(`disallow_untyped_defs`), checks untyped calls, forbids generics without parameters "
       "(`list` instead of `list[int]`), warns about unused ignores and returning `Any`, and more. It is "
       "the right target for new code; for an existing code base, enable the flags one by one or per "
       "module with `[[tool.mypy.overrides]]`."),
    Topic("check-untyped-defs", "typing", "concept", (
        "Why doesn't mypy report errors inside my function that has no annotations?",
        "What does check_untyped_defs do in mypy?",
        "mypy says nothing about an obviously broken function with no type hints. Why?",
    ), "mypy treats a function without annotations as dynamically typed and does not check its body, "
       "so errors there are silent. Either annotate the function (even `-> None` is enough to opt it "
       "in) or set `check_untyped_defs = true`, which checks the bodies of unannotated functions too, "
       "treating their parameters as `Any`. `disallow_untyped_defs` goes further and makes missing "
       "annotations an error."),
    Topic("union-narrowing", "typing", "concept", (
        "What is type narrowing?",
        "How does mypy know a variable isn't None inside an if block?",
        "Explain type narrowing with isinstance.",
    ), "Narrowing is the checker refining a variable's type from the control flow. After "
       "`if x is not None:` an `int | None` is just `int` inside the block; after "
       "`if isinstance(v, str):` a `str | bytes` is `str`. Early returns narrow too (`if x is None: "
       "return`), as do `assert`, `match` statements and user-defined `TypeGuard`/`TypeIs` functions. "
       "Narrowing does not survive reassignment or, for attributes, a call that could change them."),
    Topic("union-attr", "typing", "concept", (
        "What does mypy's union-attr error mean?",
        "mypy says: Item \"None\" of \"X | None\" has no attribute. How do I fix that?",
        "Why does mypy complain when I call a method on the result of dict.get?",
    ), "`union-attr` means you used an attribute that not every member of a union has; most often the "
       "value may be `None`, as with `dict.get`, `re.match` or an `Optional` parameter. Handle the "
       "`None` case first: `item = stock.get(sku)` then `if item is None: raise KeyError(sku)`, after "
       "which the type is narrowed. If the key is guaranteed to exist, use `d[key]` instead of "
       "`d.get(key)`."),
    Topic("return-value", "typing", "concept", (
        "What does mypy's return-value error mean?",
        "mypy reports 'Incompatible return value type'. What's wrong?",
        "How do I fix an incompatible return value type error?",
    ), "The function returns something whose type does not match its return annotation, for example "
       "returning `str(len(x))` from a function declared `-> int`, or returning `d.get(k)` "
       "(`X | None`) from one declared `-> X`. Decide which side is wrong: fix the returned value, "
       "or widen the annotation (`-> X | None`) and let the callers handle the new case."),
    Topic("arg-type", "typing", "concept", (
        "What does an arg-type error from mypy mean?",
        "mypy says Argument 1 has incompatible type. How should I read that?",
        "How do I fix 'Argument has incompatible type' in mypy?",
    ), "`arg-type` means a call passes a value whose type does not match the parameter's annotation; "
       "the message says which argument, what was passed and what was expected. Convert the value "
       "at the call site (`int(text)`), narrow it first (`if x is not None`), or, if the function "
       "really accepts more, widen the parameter's annotation (often to an abstract type such as "
       "`Iterable[str]` or `Mapping[str, int]`)."),
    Topic("abstract-params", "typing", "best-practice", (
        "Should my function parameters be typed as list or as Sequence/Iterable?",
        "Why do people annotate parameters with Iterable instead of list?",
        "Best practice for choosing parameter types: concrete or abstract collections?",
    ), "Accept the most general type you need and return a concrete one. If a function only loops "
       "over its input, take `Iterable[str]`; if it needs `len()` and indexing, `Sequence[str]`; for "
       "read-only lookups, `Mapping[str, int]`. Callers can then pass lists, tuples or generators, and "
       "the annotation documents that you don't mutate the argument. Return `list[str]` or "
       "`dict[str, int]` so callers know exactly what they get."),
    Topic("variance", "typing", "concept", (
        "Why can't I pass a list[int] where list[float] is expected?",
        "What is invariance in Python generics?",
        "Why is list invariant but Sequence covariant?",
    ), "`list` is invariant because it is mutable: if `list[int]` were a `list[float]`, the function "
       "could append `1.5` and your `list[int]` would hold a float. `Sequence` is read-only, so it can "
       "be covariant: a `Sequence[int]` is safely a `Sequence[float]`. The fix is usually to annotate "
       "the parameter with `Sequence[float]` (or `Iterable[float]`) when the function doesn't mutate it."),
    Topic("overload", "typing", "concept", (
        "What is @typing.overload for?",
        "How do I type a function whose return type depends on an argument's value?",
        "When should I use overload in type hints?",
    ), "`@overload` declares several signatures for one function, so the checker picks the return type "
       "from the arguments, e.g. `parse(data: str) -> dict` and `parse(data: bytes, raw: Literal[True]) "
       "-> bytes`. You write the `@overload` stubs (bodies `...`) followed by one real implementation "
       "without `@overload`. Use it when a single union return type would force every caller to narrow; "
       "if the variants differ a lot, two separate functions are often clearer."),
    Topic("self-type", "typing", "concept", (
        "How do I annotate a method that returns self?",
        "What is typing.Self?",
        "How should I type a fluent builder method so subclasses keep their type?",
    ), "Use `typing.Self` (Python 3.11+, or `typing_extensions` before): `def with_name(self, name: str) "
       "-> Self:`. On a subclass the checker then knows the method returns the subclass, which a plain "
       "`-> \"Builder\"` annotation would lose. It works for `classmethod` constructors too "
       "(`def create(cls) -> Self`)."),
    Topic("paramspec", "typing", "concept", (
        "How do I type a decorator so it keeps the wrapped function's signature?",
        "What is ParamSpec used for?",
        "My decorator makes mypy lose the function's parameters. How do I fix it?",
    ), "Use `ParamSpec` for the parameters and a `TypeVar` for the result:\n\n```python\nP = ParamSpec(\"P\")\n"
       "R = TypeVar(\"R\")\n\ndef logged(fn: Callable[P, R]) -> Callable[P, R]:\n    @functools.wraps(fn)\n"
       "    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:\n        return fn(*args, **kwargs)\n"
       "    return wrapper\n```\n\nTyping it as `Callable[..., Any]` would erase the signature, so every "
       "decorated call goes unchecked."),
    Topic("callable", "typing", "concept", (
        "How do I type-hint a callback parameter?",
        "What's the syntax for annotating a function that takes a function?",
        "How do I annotate a parameter that must be a function taking a str and returning a bool?",
    ), "Use `Callable[[str], bool]` from `collections.abc` (or `typing`): the list holds the parameter "
       "types, then the return type. `Callable[..., bool]` accepts any parameters. When the callback "
       "needs keyword arguments, defaults or overloads, define a `Protocol` with a `__call__` method "
       "instead, because `Callable` cannot express those."),
    Topic("newtype", "typing", "concept", (
        "What is typing.NewType for?",
        "How can I stop mixing up user ids and order ids that are both ints?",
        "Explain NewType vs a type alias.",
    ), "`UserId = NewType(\"UserId\", int)` creates a distinct static type: a function taking `UserId` "
       "rejects a plain `int` or an `OrderId`, although at runtime `UserId(5)` is just `5` (no cost). "
       "A type alias (`UserId = int`, or `type UserId = int` in 3.12) is only another name for the "
       "same type, so it catches no mix-ups."),
    Topic("annotations-future", "typing", "concept", (
        "What does `from __future__ import annotations` do?",
        "Why do some files start with from __future__ import annotations?",
        "Do I still need from __future__ import annotations?",
    ), "It makes every annotation in the module a lazily evaluated string, so you can use newer "
       "syntax such as `list[int] | None` in annotations on older Pythons and refer to classes defined "
       "later in the file without quotes. The cost: tools that read annotations at runtime (dataclasses "
       "are fine, but e.g. some validation libraries) must resolve the strings with "
       "`typing.get_type_hints`. Python 3.14 evaluates annotations lazily by default."),
    Topic("stub-files", "typing", "concept", (
        "What are .pyi stub files?",
        "mypy says a library has no type hints. What are my options?",
        "What does 'Skipping analyzing X: module is installed, but missing library stubs' mean?",
    ), "A `.pyi` stub holds only signatures and types for a module. mypy uses a package's inline hints "
       "if it ships `py.typed`, else stubs: from typeshed, from a `types-<name>` package "
       "(`pip install types-requests`), or your own in `mypy_path`. If none exist, install the stubs if "
       "they are published, or silence that one module with `[[tool.mypy.overrides]] module = [\"x.*\"]` "
       "and `ignore_missing_imports = true`."),
    Topic("py-typed", "typing", "best-practice", (
        "What is the py.typed file in a package?",
        "My library has type hints but users' mypy ignores them. Why?",
        "How do I make my package's type annotations visible to mypy in other projects?",
    ), "Add an empty `py.typed` file inside the package (next to its `__init__.py`) and make sure the "
       "build includes it as package data. PEP 561 says type checkers only trust the inline annotations "
       "of an installed package that carries this marker; without it, users see your package as untyped."),
    Topic("typeguard", "typing", "concept", (
        "What is a TypeGuard function?",
        "How do I write my own function that narrows a type for mypy?",
        "TypeGuard vs TypeIs: what's the difference?",
    ), "A function annotated `-> TypeGuard[list[str]]` returns a bool and tells the checker that when it "
       "returns `True`, the argument is a `list[str]`, so you can write checks like `is_str_list(x)` "
       "that narrow. `TypeIs` (Python 3.13, or `typing_extensions`) is stricter and usually what you "
       "want: it narrows in the `else` branch too, and the narrowed type must be consistent with the input."),
    Topic("reveal-type", "typing", "best-practice", (
        "How can I see what type mypy infers for an expression?",
        "What does reveal_type do?",
        "Debugging a confusing mypy error: how do I check the inferred type?",
    ), "Put `reveal_type(expr)` in the code and run mypy: it prints `Revealed type is \"...\"` at that "
       "line. Since Python 3.11 `typing.reveal_type` also exists at runtime (it prints the runtime type), "
       "so the call won't crash if you forget it, but remove it once you're done. `reveal_locals()` shows "
       "every local variable's type."),
    Topic("generic-class", "typing", "concept", (
        "How do I write a generic class in Python?",
        "How can I make my own container class take a type parameter like list[int]?",
        "Show me how to define a class that's generic over its item type.",
    ), "Subclass `Generic[T]` (or on Python 3.12+ use `class Box[T]:`):\n\n```python\nT = TypeVar(\"T\")\n\n"
       "class Box(Generic[T]):\n    def __init__(self, item: T) -> None:\n        self.item = item\n\n"
       "    def get(self) -> T:\n        return self.item\n```\n\n`Box(3).get()` is an `int`; you can also "
       "annotate `Box[str]` explicitly."),
    Topic("annotate-locals", "typing", "best-practice", (
        "Do I need to annotate local variables?",
        "Should every variable in a function have a type hint?",
        "When do local variables need annotations for mypy?",
    ), "Usually not: the checker infers a local's type from its first assignment. Annotate when "
       "inference can't know the type: empty collections (`seen: set[str] = set()`), a variable that "
       "starts as `None` and is filled later (`best: Item | None = None`), or when you want a wider type "
       "than the first value. Annotate function signatures and class attributes; leave obvious locals alone."),
    Topic("incremental-typing", "typing", "best-practice", (
        "How do I introduce mypy to a large untyped codebase?",
        "What's a practical way to adopt type checking gradually?",
        "Our project has no type hints. How should we start with mypy?",
    ), "Start permissive and tighten: run mypy with the defaults in CI so it never gets worse, fix what "
       "it finds, then type the modules people touch most. Use `[[tool.mypy.overrides]]` to make new "
       "or cleaned-up modules strict (`disallow_untyped_defs = true`) while legacy ones stay lenient. "
       "Add annotations to public functions first, since they help every caller."),
    Topic("mypy-vs-runtime", "typing", "concept", (
        "Do type hints make Python check types at runtime?",
        "Will my program crash if I pass the wrong type to an annotated function?",
        "Are Python type annotations enforced?",
    ), "No. The interpreter stores annotations but does not enforce them: passing a `str` to a "
       "parameter annotated `int` runs until something fails on it. Checking happens statically with "
       "a tool such as mypy or pyright. If you need runtime validation (for example of input data), use "
       "explicit checks or a validation library such as pydantic."),
    Topic("noreturn", "typing", "concept", (
        "What's the difference between -> None and -> NoReturn?",
        "When do I annotate a function with NoReturn (or Never)?",
        "What return type should a function that always raises have?",
    ), "`-> None` means the function returns normally, with no useful value. `-> NoReturn` (or `Never`, "
       "3.11+) means it never returns at all: it always raises or exits, like `sys.exit` or a `fail()` "
       "function. The checker then knows code after the call is unreachable, which helps narrowing "
       "(`if x is None: fail(\"missing\")` narrows `x` afterwards)."),
]
