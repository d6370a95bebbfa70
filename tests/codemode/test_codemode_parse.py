"""Parsing model replies: the strict Qwen form, the lenient forms beside it, and everything flagged."""

from __future__ import annotations

import json

import pytest

from core.codemode.parse import parse_tool_call

CODE = "r = typecheck()\nprint(r.error_count)"
CALL = json.dumps({"name": "execute_code", "arguments": {"code": CODE}})
TAGGED = f"<tool_call>\n{CALL}\n</tool_call>"


def test_a_correct_call_is_strict() -> None:
    parsed = parse_tool_call(TAGGED)
    assert parsed.strict_ok and parsed.lenient_ok and parsed.has_call
    assert (parsed.kind, parsed.name, parsed.code) == ("tagged", "execute_code", CODE)
    assert parsed.arguments == {"code": CODE}
    assert parsed.flags == [] and parsed.reason is None
    assert parsed.content == "" and parsed.call_count == 1


def test_text_around_a_call_is_kept_as_content() -> None:
    parsed = parse_tool_call(f"Let me check.\n{TAGGED}")
    assert parsed.strict_ok
    assert parsed.content == "Let me check."


def test_a_qwen3_think_block_is_stripped_and_flagged() -> None:
    parsed = parse_tool_call(f"<think>\nThe user wants type errors.\n</think>\n\n{TAGGED}")
    assert parsed.strict_ok
    assert parsed.flags == ["think_block_stripped"]
    # The generation prompt may already hold the opening tag.
    assert parse_tool_call(f"reasoning here\n</think>\n\n{TAGGED}").strict_ok


def test_double_encoded_arguments_are_lenient_only() -> None:
    double = json.dumps({"name": "execute_code", "arguments": json.dumps({"code": CODE})})
    parsed = parse_tool_call(f"<tool_call>\n{double}\n</tool_call>")
    assert not parsed.strict_ok and parsed.lenient_ok
    assert parsed.code == CODE
    assert "double_encoded_arguments" in parsed.flags
    assert "double-encoded" in (parsed.reason or "")


def test_a_bare_json_call_is_lenient_only() -> None:
    parsed = parse_tool_call(f"I'll run this: {CALL}")
    assert not parsed.strict_ok and parsed.lenient_ok and parsed.has_call
    assert (parsed.kind, parsed.code) == ("bare_json", CODE)
    assert "untagged_call" in parsed.flags
    assert parsed.content == "I'll run this:"


def test_a_fenced_json_call_is_lenient_only() -> None:
    parsed = parse_tool_call(f"Here is the call:\n```json\n{json.dumps(json.loads(CALL), indent=2)}\n```\n")
    assert not parsed.strict_ok and parsed.lenient_ok
    assert (parsed.kind, parsed.code) == ("fenced_json", CODE)
    assert "untagged_call" in parsed.flags


def test_two_calls_are_not_strict() -> None:
    parsed = parse_tool_call(f"{TAGGED}\n{TAGGED}")
    assert not parsed.strict_ok and parsed.lenient_ok
    assert parsed.call_count == 2
    assert "multiple_calls" in parsed.flags
    assert "2 calls" in (parsed.reason or "")


def test_a_wrong_tool_name_is_a_call_but_not_a_correct_one() -> None:
    wrong = json.dumps({"name": "typecheck", "arguments": {"path": "."}})
    parsed = parse_tool_call(f"<tool_call>\n{wrong}\n</tool_call>")
    assert not parsed.strict_ok and not parsed.lenient_ok
    assert parsed.has_call and parsed.name == "typecheck"
    assert "wrong_name" in parsed.flags


def test_invalid_json_is_not_a_call() -> None:
    parsed = parse_tool_call(
        '<tool_call>\n{"name": "execute_code", "arguments": {"code": "print(1)"}\n</tool_call>'
    )
    assert not parsed.strict_ok and not parsed.lenient_ok and not parsed.has_call
    assert parsed.kind == "tagged"
    assert "invalid_json" in parsed.flags
    assert "not valid JSON" in (parsed.reason or "")


def test_raw_newlines_inside_the_json_string_are_lenient_only() -> None:
    parsed = parse_tool_call(
        '<tool_call>\n{"name": "execute_code", "arguments": {"code": "x = 1\nprint(x)"}}\n</tool_call>'
    )
    assert not parsed.strict_ok and parsed.lenient_ok
    assert parsed.code == "x = 1\nprint(x)"
    assert "control_characters_in_json" in parsed.flags


def test_no_call_at_all() -> None:
    parsed = parse_tool_call("A Protocol describes structure; any class with the right methods matches it.")
    assert not parsed.strict_ok and not parsed.lenient_ok and not parsed.has_call
    assert parsed.kind == "none"
    assert parsed.reason == "no tool call found"
    assert parsed.content.startswith("A Protocol")


def test_json_that_is_not_a_call_is_not_a_call() -> None:
    parsed = parse_tool_call('Your package.json needs {"name": "app", "version": "1.0.0"}.')
    assert not parsed.has_call and parsed.kind == "none"


def test_python_block_without_a_call_is_flagged() -> None:
    parsed = parse_tool_call(f"```python\n{CODE}\n```")
    assert not parsed.has_call
    assert parsed.flags == ["python_block_without_call"]


def test_a_fabricated_tool_response_is_flagged_and_fails_strict() -> None:
    reply = (
        f'{TAGGED}\n<tool_response>\n{{"ok": true, "stdout": "0"}}\n</tool_response>\nThere are no errors.'
    )
    parsed = parse_tool_call(reply)
    assert not parsed.strict_ok and parsed.lenient_ok
    assert "fabricated_tool_response" in parsed.flags
    assert parsed.code == CODE
    assert "There are no errors" not in parsed.content  # what follows the fake output is not the answer


def test_a_call_inside_a_fabricated_response_does_not_count() -> None:
    parsed = parse_tool_call(f"<tool_response>\n{TAGGED}\n</tool_response>")
    assert not parsed.has_call
    assert parsed.flags == ["fabricated_tool_response"]


@pytest.mark.parametrize(
    ("arguments", "flag"),
    [
        ({}, "missing_code"),
        ({"code": 42}, "code_not_string"),
        ({"code": "print(1)", "timeout": 5}, "unexpected_arguments"),
        ("print(1)", "arguments_not_object"),
    ],
)
def test_bad_arguments(arguments: object, flag: str) -> None:
    body = json.dumps({"name": "execute_code", "arguments": arguments})
    parsed = parse_tool_call(f"<tool_call>\n{body}\n</tool_call>")
    assert not parsed.strict_ok
    assert flag in parsed.flags
    assert parsed.lenient_ok == (flag == "unexpected_arguments")


def test_unclosed_and_parameters_key_forms() -> None:
    unclosed = parse_tool_call(f"<tool_call>\n{CALL}")
    assert not unclosed.strict_ok and unclosed.lenient_ok and "unclosed_tool_call" in unclosed.flags
    params = json.dumps({"name": "execute_code", "parameters": {"code": CODE}})
    parsed = parse_tool_call(f"<tool_call>\n{params}\n</tool_call>")
    assert not parsed.strict_ok and parsed.lenient_ok and "parameters_key" in parsed.flags


def test_never_raises_on_garbage() -> None:
    for text in [
        "",
        "<tool_call>",
        "</tool_call>",
        "{",
        "```json\n{\n```",
        "<think>",
        "\x00\xff",
        "{" * 1000,
    ]:
        parse_tool_call(text)


def test_extra_top_level_keys_fail_strict_but_parse_leniently() -> None:
    body = json.dumps({"name": "execute_code", "arguments": {"code": CODE}, "id": "call_0", "type": "function"})
    parsed = parse_tool_call(f"<tool_call>\n{body}\n</tool_call>")
    assert not parsed.strict_ok and parsed.lenient_ok and parsed.code == CODE
    assert "unexpected_keys" in parsed.flags
    assert "unexpected top-level keys beside name and arguments: id, type" in (parsed.reason or "")


def test_text_after_the_call_in_the_same_turn_fails_strict_with_its_own_flag() -> None:
    parsed = parse_tool_call(f"{TAGGED}\nmypy reports no errors, so you're good.")
    assert not parsed.strict_ok and parsed.lenient_ok
    assert parsed.flags == ["text_after_call"]
    assert "text after the call in the same turn" in (parsed.reason or "")
    # an end-of-turn token or trailing whitespace is not text
    assert parse_tool_call(f"{TAGGED}\n\n<|im_end|>\n").strict_ok


def test_a_think_close_tag_closes_only_a_leading_think_block() -> None:
    later = parse_tool_call(f"{TAGGED}\n</think>")
    assert not later.strict_ok and "think_block_stripped" not in later.flags
    assert "text_after_call" in later.flags
    # a call before a stray </think> is not swallowed as thinking
    assert parse_tool_call(f"Let me look.\n{TAGGED}\n</think>\nDone.").has_call
    # a call inside a leading think block is thinking, not the call
    inside = parse_tool_call(f"<think>\n{TAGGED}\n</think>\nNo tool needed: 5 errors.")
    assert not inside.has_call and inside.flags == ["think_block_stripped"]


def test_a_call_quoted_inside_prose_is_not_a_call() -> None:
    prose = ("Code Mode answers with one call, for example " + CALL
             + " and the runtime then runs it. For a concept question you answer in text instead.")
    parsed = parse_tool_call(prose)
    assert not parsed.has_call and parsed.kind == "none"
    assert parsed.flags == ["call_quoted_in_prose"]
    fenced_in_prose = ("A call looks like this:\n```json\n" + CALL + "\n```\nThe result comes back as a tool "
                       "turn, and then you answer. That's all there is to it.")
    assert not parse_tool_call(fenced_in_prose).has_call
    tagged_in_fence = f"Explained: Qwen writes\n```\n{TAGGED}\n```\nafter which the tool runs. Nothing else."
    assert not parse_tool_call(tagged_in_fence).has_call


def test_a_reply_that_is_just_the_call_bare_or_fenced_is_a_lenient_call() -> None:
    for reply in (CALL, f"```json\n{CALL}\n```", f"```\n{TAGGED}\n```", f"Checking the types now.\n{CALL}"):
        parsed = parse_tool_call(reply)
        assert parsed.has_call and parsed.lenient_ok and not parsed.strict_ok, reply
        assert parsed.code == CODE


def test_a_long_preamble_before_a_tagged_call_is_still_strict() -> None:
    plan = "I need the error count. mypy reports it as error_count. I'll print that field."
    assert parse_tool_call(f"{plan}\n{TAGGED}").strict_ok


def test_one_sentence_after_an_untagged_call_keeps_it_a_call_but_is_flagged() -> None:
    parsed = parse_tool_call(f"```json\n{CALL}\n```\nThis prints the error count.")
    assert parsed.has_call and parsed.lenient_ok and not parsed.strict_ok
    assert "text_after_call" in parsed.flags and "untagged_call" in parsed.flags
