"""The execute_code schema, the generated stubs, the system prompt and rendering through the real templates."""

from __future__ import annotations

import json

import pytest
from pydantic import Field

from core.codemode import models, prompt
from core.codemode.models import TypecheckResult
from core.codemode.parse import parse_tool_call
from core.codemode.prompt import (
    assistant_tool_call,
    execute_code_tool_schema,
    render_chat,
    system_prompt,
    template_path,
    tool_message,
    tool_stubs,
)
from core.codemode.tools import TOOLS

CODE = 'r = typecheck()\nprint(f"{r.error_count} errors", "<ok>")'


def conversation() -> list[dict[str, object]]:
    return [
        {"role": "system", "content": system_prompt(compact=True)},
        {"role": "user", "content": "How many type errors are there?"},
        assistant_tool_call(CODE),
        tool_message('{"ok": true, "stdout": "5 errors <ok>\\n"}'),
        {"role": "assistant", "content": "There are 5 type errors."},
    ]


# --------------------------------------------------------------------------- schema


def test_the_tool_schema_is_one_function_with_a_required_code_string() -> None:
    schema = execute_code_tool_schema()
    assert schema["type"] == "function"
    function = schema["function"]
    assert function["name"] == "execute_code"
    assert function["parameters"] == {
        "type": "object",
        "properties": {
            "code": {
                "type": "string",
                "description": function["parameters"]["properties"]["code"]["description"],
            }
        },
        "required": ["code"],
    }
    assert json.loads(json.dumps(schema)) == schema


# --------------------------------------------------------------------------- stubs


def test_stubs_show_every_tool_signature() -> None:
    stubs = tool_stubs()
    assert 'def typecheck(path: str = ".") -> TypecheckResult:' in stubs
    assert 'def ruff_check(path: str = ".") -> RuffResult:' in stubs
    assert 'def pytest_run(path: str = ".", *, k: str | None = None) -> PytestResult:' in stubs
    assert (
        "def read_file(path: str, *, start: int | None = None, end: int | None = None) -> FileContent:"
        in stubs
    )
    assert "def run_command(cmd: str, *, timeout: float = 30) -> CommandResult:" in stubs
    compile(stubs, "<stubs>", "exec")  # they are valid Python


def test_stubs_show_every_field_of_every_result_model() -> None:
    stubs = tool_stubs()
    for model in models.RESULT_MODELS:
        assert f"class {model.__name__}:" in stubs
        for name in model.model_fields:
            assert f"\n    {name}: " in stubs.split(f"class {model.__name__}:")[1].split("class ")[0]
    assert "    errors: list[TypeErrorItem]  # " in stubs
    assert "    code: str | None  # " in stubs
    # Nested models come before the models that use them.
    assert stubs.index("class TypeErrorItem:") < stubs.index("class TypecheckResult:")


def test_stubs_follow_the_models_when_a_field_is_added() -> None:
    class TypecheckResultV2(TypecheckResult):
        """What ``typecheck`` found, with timing."""

        duration_s: float = Field(default=0.0, description="seconds mypy took")

    def typecheck(path: str = ".") -> TypecheckResultV2:
        """Type-check with mypy."""
        raise NotImplementedError

    typecheck.__annotations__ = {"path": str, "return": TypecheckResultV2}  # resolved, as in a real module
    stubs = tool_stubs({"typecheck": typecheck})
    assert 'def typecheck(path: str = ".") -> TypecheckResultV2:' in stubs
    assert "    duration_s: float  # seconds mypy took" in stubs
    assert "class TypeErrorItem:" in stubs  # still pulled in through the inherited field
    compact = tool_stubs({"typecheck": typecheck}, compact=True)
    assert compact.startswith(
        'typecheck(path=".") -> TypecheckResultV2(error_count, errors: list[TypeErrorItem], passed, duration_s)'
    )


def test_stubs_follow_a_monkeypatched_model(monkeypatch: pytest.MonkeyPatch) -> None:
    original = dict(models.FileContent.model_fields)
    monkeypatch.setitem(models.FileContent.model_fields, "encoding", original["path"])
    assert "    encoding: str  # " in tool_stubs()
    assert "encoding" in system_prompt(compact=True)


# --------------------------------------------------------------------------- system prompt


def test_system_prompt_states_the_rules_and_lists_the_tools() -> None:
    text = system_prompt()
    assert "exactly one execute_code call" in text
    assert "conceptual" in text and "do not call any tool" in text
    assert "prints" in text
    assert tool_stubs() in text


def test_compact_prompt_is_short_but_lists_tools_and_fields() -> None:
    text = system_prompt(compact=True)
    assert len(text) < 1000 < len(system_prompt())
    assert "exactly one execute_code call" in text and "no call" in text
    for name in TOOLS:
        assert f"{name}(" in text
    for model in models.RESULT_MODELS:
        assert model.__name__ in text
        for field in model.model_fields:
            assert field in text


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize("family", ["qwen2.5", "qwen3"])
def test_both_templates_render_arguments_as_an_object(family: str) -> None:
    text = render_chat(conversation(), [execute_code_tool_schema()], family)
    expected_call = json.dumps({"name": "execute_code", "arguments": {"code": CODE}}, ensure_ascii=False)
    assert f"<tool_call>\n{expected_call}\n</tool_call>" in text
    assert '"arguments": {"code": ' in text
    assert '"arguments": "' not in text
    assert "<tools>\n" + json.dumps(execute_code_tool_schema(), ensure_ascii=False) + "\n</tools>" in text
    assert "<tool_response>\n{" in text and "}\n</tool_response>" in text
    assert "<ok>" in text  # no HTML escaping in tojson
    # What the template renders is what the strict parser accepts.
    assistant = text.split("<|im_start|>assistant\n")[1].split("<|im_end|>")[0]
    parsed = parse_tool_call(assistant)
    assert parsed.strict_ok and parsed.code == CODE


def test_qwen3_generation_prompt_has_the_empty_think_block() -> None:
    messages = conversation()[:2]
    assert render_chat(messages, [execute_code_tool_schema()], "qwen3", add_generation_prompt=True).endswith(
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )
    assert render_chat(
        messages, [execute_code_tool_schema()], "qwen2.5", add_generation_prompt=True
    ).endswith("<|im_start|>assistant\n")


def test_a_string_arguments_field_double_encodes_in_qwen25() -> None:
    # The trap assistant_tool_call avoids: Qwen2.5 applies tojson to a string too.
    bad = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "type": "function",
                "function": {"name": "execute_code", "arguments": json.dumps({"code": "print(1)"})},
            }
        ],
    }
    text = render_chat([{"role": "user", "content": "hi"}, bad], None, "qwen2.5")
    assert '"arguments": "{\\"code\\": \\"print(1)\\"}"' in text
    assistant = text.split("<|im_start|>assistant\n")[1].split("<|im_end|>")[0]
    assert "double_encoded_arguments" in parse_tool_call(assistant).flags


def test_rendering_matches_hugging_face() -> None:
    try:
        from transformers.utils.chat_template_utils import render_jinja_template
    except Exception:  # pragma: no cover - transformers is optional
        pytest.skip("transformers is not installed")
    for family in ("qwen2.5", "qwen3"):
        for generation in (False, True):
            messages = conversation() if not generation else conversation()[:2]
            ours = render_chat(
                messages, [execute_code_tool_schema()], family, add_generation_prompt=generation
            )
            theirs = render_jinja_template(
                [messages],
                tools=[execute_code_tool_schema()],
                chat_template=template_path(family).read_text(),
                add_generation_prompt=generation,
                enable_thinking=False,
            )[0][0]
            assert ours == theirs


def test_templates_are_found_and_unknown_families_are_refused() -> None:
    assert template_path("qwen2.5").name == "qwen2.5-instruct.jinja"
    assert template_path("qwen3").name == "qwen3.jinja"
    with pytest.raises(ValueError, match="qwen2.5"):
        template_path("llama")
    assert prompt.TEMPLATE_FILES.keys() == {"qwen2.5", "qwen3"}
