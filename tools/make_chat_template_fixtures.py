#!/usr/bin/env python3
"""Render the committed chat templates with Python jinja2, the way transformers'
apply_chat_template does, into Tests/Fixtures/chat-templates/expected.json.

Uses transformers' own template compiler (ImmutableSandboxedEnvironment with
trim_blocks, lstrip_blocks, loopcontrols, its tojson/raise_exception/namespace),
so the Swift interpreter is compared against the real reference.

Run: python3 tools/make_chat_template_fixtures.py
"""
import json
import pathlib

import jinja2
from transformers.utils.chat_template_utils import _compile_jinja_template

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures" / "chat-templates"

# template file -> (bos_token, eos_token)
TEMPLATES = {
    "meta-llama-Llama-3.1-8B-Instruct.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "Qwen-Qwen2.5-7B-Instruct.jinja": (None, "<|im_end|>"),
    "mistralai-Mistral-Nemo-Instruct-2407.jinja": ("<s>", "</s>"),
    "mistralai-Mistral-7B-Instruct-v0.2.jinja": ("<s>", "</s>"),
    "microsoft-Phi-3.5-mini-instruct.jinja": ("<s>", "<|endoftext|>"),
    "microsoft-Phi-3-mini-4k-instruct.jinja": ("<s>", "<|endoftext|>"),
    "google-gemma-2-2b-it.jinja": ("<bos>", "<eos>"),
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city, in °C",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. \"Zürich\""},
                "days": {"type": "integer", "description": "Forecast days", "default": 1},
                "precision": {"type": "number", "default": 0.5},
            },
            "required": ["city"],
        },
        "return": {"type": "string"},
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current time",
        "parameters": {"type": "object", "properties": {}},
    },
}

SYSTEM = {"role": "system", "content": "  You are a helpful assistant.\nBe brief.  "}
USER1 = {"role": "user", "content": "Hello! What's 2+2?"}
ASSIST1 = {"role": "assistant", "content": "  It's 4.  "}
USER2 = {"role": "user", "content": "Thanks — and in Zürich, 日本? <tag> & \"quotes\""}
TOOL_CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {
            "id": "call12345",
            "type": "function",
            "function": {"name": "get_weather", "arguments": {"city": "Zürich", "days": 2, "precision": 1.0}},
        }
    ],
}
TOOL_RESULT = {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "{\"temp\": 21.5, \"sky\": \"clear\"}"}
ASSIST_AFTER_TOOL = {"role": "assistant", "content": "It is 21.5 °C and clear in Zürich."}

CONVERSATIONS = [
    ("user-only", [USER1], None, {}),
    ("system-user", [SYSTEM, USER1], None, {}),
    ("multi-turn", [SYSTEM, USER1, ASSIST1, USER2], None, {}),
    ("multi-turn-no-system", [USER1, ASSIST1, USER2], None, {}),
    ("assistant-last", [USER1, ASSIST1], None, {}),
    ("tools-list", [SYSTEM, USER1], [WEATHER_TOOL, TIME_TOOL], {}),
    ("tool-call-round-trip", [SYSTEM, USER2, TOOL_CALL, TOOL_RESULT, ASSIST_AFTER_TOOL], [WEATHER_TOOL], {}),
    ("tool-call-no-system", [USER2, TOOL_CALL, TOOL_RESULT], [WEATHER_TOOL], {}),
    ("extra-kwargs", [SYSTEM, USER1], [WEATHER_TOOL], {"date_string": "01 Jan 2025", "tools_in_user_message": False}),
    ("bad-roles", [USER1, USER2], None, {}),
]


def render(source, messages, tools, add_generation_prompt, bos, eos, extra):
    template = _compile_jinja_template(source)
    kwargs = dict(extra)
    if bos is not None:
        kwargs["bos_token"] = bos
    if eos is not None:
        kwargs["eos_token"] = eos
    return template.render(messages=messages, tools=tools, add_generation_prompt=add_generation_prompt, **kwargs)


def main():
    cases = []
    for name, (bos, eos) in TEMPLATES.items():
        source = (FIXTURES / name).read_text()
        for conv_name, messages, tools, extra in CONVERSATIONS:
            for agp in (True, False):
                case = {
                    "template": name,
                    "name": f"{conv_name}/agp={str(agp).lower()}",
                    "messages": messages,
                    "tools": tools,
                    "add_generation_prompt": agp,
                    "bos_token": bos,
                    "eos_token": eos,
                    "extra": extra,
                }
                try:
                    case["output"] = render(source, json.loads(json.dumps(messages)), tools, agp, bos, eos, extra)
                    case["error"] = None
                except jinja2.exceptions.TemplateError as error:
                    case["output"] = None
                    case["error"] = f"{type(error).__name__}: {error}"
                except Exception as error:  # Python-level errors (TypeError etc.) also count as failures
                    case["output"] = None
                    case["error"] = f"{type(error).__name__}: {error}"
                cases.append(case)
    out = FIXTURES / "expected.json"
    out.write_text(json.dumps({"jinja2": jinja2.__version__, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {out}")
    for c in cases:
        if c["error"]:
            print(" error:", c["template"], c["name"], c["error"])


if __name__ == "__main__":
    main()
