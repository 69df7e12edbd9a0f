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

# Llama 3.2 falls back to strftime_now() for the date; pin it so fixtures don't change daily.
TEMPLATE_EXTRA = {"meta-llama-Llama-3.2-3B-Instruct.jinja": {"date_string": "26 Jul 2024"}}

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


# Small templates exercising one feature each; variables are passed as extra kwargs.
SNIPPET_VARS = {
    "name": "World", "n": 3, "x": 2.5, "whole": 1.0, "big": 1e16, "tiny": 1e-05, "neg": -7,
    "items": ["a", "b", "c", "d"], "d": {"z": 1, "a": [1, 2.0, None, True], "m": {"k": "v"}},
    "text": "  Hello, Wörld!  foo bar  ", "msgs": [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"}],
    "quote": "it's \"q\"\n",
}
SNIPPETS = [
    ("plain-text", "Hello {{ name }}!\n"),
    ("trim-blocks", "{% if true %}\nA\n{% endif %}\nB\n"),
    ("lstrip-blocks", "  {% if true %}\n    X\n  {% endif %}\nY"),
    ("minus-control", "a   {{- name -}}   b\n  {%- if true -%}  c  {%- endif -%}\n d"),
    ("plus-control", "  {%+ if true %}k{% endif +%}\nz"),
    ("comment", "a {# note #}\n  {# own line #}\nb{#- x -#}  c"),
    ("variable-no-trim", "{{ name }}\n{{ n }}\n"),
    ("numbers", "{{ n }} {{ x }} {{ whole }} {{ big }} {{ tiny }} {{ neg }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 1.5 * 2 }} {{ 10 / 5 }}"),
    ("reprs", "{{ items }}|{{ d }}|{{ none }}|{{ true }}|{{ quote }}|{{ [quote] }}|{{ undefined_thing }}|"),
    ("concat", "{{ name ~ n ~ none ~ undefined_thing }}|{{ 'a' + 'b' }}|{{ items + ['e'] }}"),
    ("slicing", "{{ items[1:] }} {{ items[:-1] }} {{ items[::-1] }} {{ items[-1] }} {{ name[1:3] }} {{ items[10] }}|{{ items[1:10:2] }}"),
    ("loop-vars", "{% for i in items %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }};{% endfor %}"),
    ("loop-filter-else", "{% for i in items if i != 'b' %}{{ i }}{{ loop.length }}{% else %}none{% endfor %}|{% for i in [] %}x{% else %}empty{% endfor %}"),
    ("break-continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i > 5 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
    ("scoping", "{% set v = 1 %}{% for i in items %}{% set v = i %}{% endfor %}{{ v }}|{% set ns = namespace(v=0, w='q') %}{% for i in items %}{% set ns.v = ns.v + 1 %}{% endfor %}{{ ns.v }}{{ ns.w }}"),
    ("macros", "{% macro greet(who, punct='!') %}Hi {{ who }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(who='C', punct='.') }}"),
    ("string-methods", "[{{ text.strip() }}][{{ text.lstrip() }}][{{ text.rstrip() }}][{{ text.split() }}][{{ 'a,b,,c'.split(',') }}][{{ text.upper() }}][{{ text.lower() }}][{{ 'hello wORLD x1y'.title() }}][{{ text.replace('o', '0') }}][{{ text.strip().startswith('Hello') }}][{{ name.endswith('ld') }}][{{ 'xxhixx'.strip('x') }}][{{ 'a b c'.split(' ', 1) }}]"),
    ("filters", "{{ items|length }} {{ items|first }} {{ items|last }} {{ items|join('-') }} {{ text|trim }} {{ undefined_thing|default('dflt') }} {{ ''|default('e', true) }} {{ n|string }} {{ name|list }} {{ d|items|list }} {{ items|reverse|list }} {{ name|upper }} {{ [3, 1, 3]|unique|list }}"),
    ("select-map", "{{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(',') }}|{{ msgs|rejectattr('role', 'equalto', 'user')|list }}|{{ items|reject('equalto', 'b')|list }}|{{ items|select('in', ['a', 'c'])|list }}|{{ msgs|map(attribute='role')|list }}"),
    ("tojson", "{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ items|tojson(separators=(',', ':')) }}|{{ d|tojson(sort_keys=true) }}|{{ 'é\u2028'|tojson }}|{{ x|tojson }}|{{ none|tojson }}|{{ {}|tojson(indent=2) }}"),
    ("tests", "{{ name is defined }}{{ nope is defined }}{{ nope is undefined }}{{ none is none }}{{ name is string }}{{ d is mapping }}{{ items is iterable }}{{ name is iterable }}{{ n is number }}{{ x is integer }}{{ n is odd }}{{ n is even }}{{ 'a' is in items }}{{ n is divisibleby 3 }}{{ nope is not defined }}"),
    ("operators", "{{ 'a' in items }}{{ 'z' not in items }}{{ 'ell' in 'hello' }}{{ 'z' in d }}{{ 1 == 1.0 }}{{ 'a' < 'b' }}{{ 1 < 2 < 3 }}{{ not none }}{{ none or 'x' }}{{ 0 and 1 }}{{ 'y' if n > 2 else 'n' }}{{ 'y' if false }}|"),
    ("items-loop", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}"),
    ("dict-methods", "{{ d.keys()|list }} {{ d.get('z') }} {{ d.get('q', 'dflt') }} {{ d.m.k }} {{ d['m']['k'] }} {{ d.nope is defined }} {{ dict(a=1, b='x') }}"),
    ("set-block", "{% set captured %}  inner {{ name }}\n{% endset %}[{{ captured }}]"),
    ("if-elif", "{% for i in range(4) %}{% if i == 0 %}zero{% elif i == 1 %}one{% elif i == 2 %}two{% else %}many{% endif %} {% endfor %}"),
    ("strftime-now", "{{ strftime_now('%%') }}|{{ strftime_now('%Y')|length }}|{{ strftime_now is defined }}"),
    ("strip-chars-and-escapes", "{{ 'tab\\there\\u00e9\\x41'.strip('t') }}|{{ \"double 'quoted'\" }}|{{ 'a' 'b' }}"),
    ("conditional-filter-precedence", "{{ -3|abs }} {{ 'x' + name|upper }} {{ not name is defined }} {{ (1, 2) }} {{ (1,) }} {{ items|length > 2 }}"),
    ("nested-loops", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ loop.index }}{{ b }}{% endfor %}{{ loop.index }}{{ loop.previtem is defined }}{{ loop.nextitem }};{% endfor %}"),
    ("content-parts", "{% for m in [{'role': 'user', 'content': [{'type': 'text', 'text': 'hi'}, {'type': 'image'}]}] %}{% if m.content is string %}{{ m.content }}{% else %}{% for p in m.content %}{% if p.type == 'text' %}{{ p.text }}{% elif p['type'] == 'image' %}<img>{% endif %}{% endfor %}{% endif %}{% endfor %}"),
    ("literal-braces", "{{ '{{' }}x{{ '}}' }} {{ '{%' ~ '%}' }} {{ {'a': [1, {'b': none}]}|tojson }}"),
    ("tabs-lstrip", "line\n\t  {%- if true %}\n\t\t{% set q = 1 %}\n\tv{{ q }}\n\t{% endif %}\n\t{# c #}\nend"),
    ("default-semantics", "[{{ none|default('x') }}][{{ ''|default('x') }}][{{ nope|d('y') }}][{{ false|default('z', boolean=true) }}]"),
    ("macro-sees-globals", "{% set greeting = 'Hey' %}{% macro m(x) %}{{ greeting }} {{ x }}{% endmacro %}{{ m(name) }}|{{ m() }}|"),
    ("top-level-set-in-if", "{% if true %}{% set a = 'in-if' %}{% endif %}{{ a }}|{% for i in [1] %}{% set b = 'in-for' %}{% endfor %}{{ b }}|"),
    ("sameas-and-none-tests", "{{ none is sameas none }}{{ false is sameas false }}{{ 0 is sameas false }}{{ n is not none }}{{ d.a[2] is none }}"),
    ("whitespace-mix", "  {{- name }}  \n  {{ name -}}\n\n  x  {%- for i in items -%}\n  {{ i }}\n  {%- endfor %}  \n  {%- if false %}no{% else %}  yes  {% endif -%}  \n done"),
    ("string-compare-and-math", "{{ 'abc' < 'abd' }}{{ 'B' < 'a' }}{{ [1, 2] == [1, 2] }}{{ {'a': 1} == {'a': 1} }}{{ 3 % 2 }}{{ 2.5 // 1 }}{{ -2.5 % 2 }}{{ 10 - 2.5 }}{{ 1e3 }}{{ 0.1 + 0.2 }}"),
    ("dictsort-and-falsy-select", "{{ {'b': 1, 'A': 2, 'c': 0}|dictsort }}{{ {'b': 1, 'A': 2}|dictsort(true) }}{{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }}|{{ none|selectattr('type', 'equalto', 'x')|list }}{{ none|map(attribute='x')|list }}{{ [] | reject('none') | list }}"),
    ("raw-block", "a\n  {% raw %}\n{{ not parsed }} {% if %}\n  {% endraw %}\nb {%- raw -%}  x  {%- endraw -%}  c"),
    ("unicode-whitespace", "{{ '\\u00a0\\u3000 x \\x1f'.strip() }}|{{ 'a\\u00a0b'.split() }}|  \u00a0{%- if true %}y{% endif %}"),
    ("generation-tag", "{% for m in msgs %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}!{% endgeneration %}{% else %}{{ m.content }}{% endif %}\n{% endfor %}"),
    ("filter-block-and-cycle", "{% filter upper %}up {{ name }}{% endfilter %}|{% filter replace('a', 'o') %}banana{% endfilter %}|{% for i in items %}{{ loop.cycle('odd', 'even') }} {% endfor %}"),
    ("namespace-underscore", "{% set ns = namespace() %}{% set ns._x = 1 %}{{ ns._x }}"),
    ("raise", "{{ raise_exception('custom failure ' ~ n) }}"),
    ("undefined-attribute-error", "{{ nope.attr }}"),
    ("type-error-add", "{{ 'a' + 1 }}"),
    ("syntax-unclosed-if", "line1\n{% if true %}\nline3\n"),
    ("syntax-unknown-tag", "a\n\n{% frobnicate %}"),
    ("syntax-unclosed-variable", "a {{ name "),
    ("syntax-bad-expression", "{{ 1 + }}"),
    ("syntax-endfor-mismatch", "{% for i in items %}\n{% endif %}"),
    ("recursion", "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}"),
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
        for conv_name, messages, tools, conv_extra in CONVERSATIONS:
            extra = {**TEMPLATE_EXTRA.get(name, {}), **conv_extra}
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
    snippets = []
    for name, source in SNIPPETS:
        case = {"name": name, "source": source, "variables": SNIPPET_VARS}
        try:
            case["output"] = _compile_jinja_template(source).render(**SNIPPET_VARS)
            case["error"] = None
        except jinja2.exceptions.TemplateSyntaxError as error:
            case["output"] = None
            case["error"] = f"TemplateSyntaxError: {error.message}"
            case["line"] = error.lineno
        except RecursionError as error:
            case["output"] = None
            case["error"] = f"RecursionError: {error}"
        except Exception as error:
            case["output"] = None
            case["error"] = f"{type(error).__name__}: {error}"
        snippets.append(case)
    out = FIXTURES / "expected.json"
    out.write_text(json.dumps({"jinja2": jinja2.__version__, "cases": cases, "snippets": snippets}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(cases)} cases to {out}")
    for c in cases + snippets:
        if c["error"]:
            print(" error:", c.get("template", "snippet"), c["name"], c["error"], c.get("line", ""))


if __name__ == "__main__":
    main()
