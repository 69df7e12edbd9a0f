"""Checks a running `skein serve` with the official `openai` Python client.

Run by Tests/SkeinServerTests/ServerProcessTests.swift against a server it starts:
    python3 Tests/ServerClient/openai_checks.py --base-url http://127.0.0.1:PORT/v1 --api-key KEY --max-body BYTES
Prints one line per check and exits 1 if any fails.
"""
import argparse
import json
import sys
import traceback

import httpx2 as httpx  # what the openai client itself uses
import openai

parser = argparse.ArgumentParser()
parser.add_argument("--base-url", required=True)
parser.add_argument("--api-key", required=True)
parser.add_argument("--max-body", type=int, required=True)
args = parser.parse_args()

client = openai.OpenAI(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=120)
root = args.base_url.rsplit("/v1", 1)[0]
auth = {"Authorization": f"Bearer {args.api_key}"}
failures = []
QUESTION = [{"role": "user", "content": "Who made the heaven and the earth?"}]


def check(name):
    def wrap(fn):
        try:
            fn()
            print(f"ok   {name}")
        except Exception:  # noqa: BLE001 - every failure is reported
            failures.append(name)
            print(f"FAIL {name}\n{traceback.format_exc()}")
        return fn
    return wrap


def greedy(messages=QUESTION, **kw):
    return client.chat.completions.create(model="skein", messages=messages, temperature=0, **kw)


def expect_error(cls, status, fn, code=None):
    try:
        fn()
    except cls as e:
        assert e.status_code == status, (e.status_code, e.body)
        assert isinstance(e.body, dict) and "message" in e.body, e.body
        if code is not None:
            assert e.body.get("code") == code, e.body
        return e
    raise AssertionError(f"expected {cls.__name__} ({status})")


@check("models lists the served model")
def _():
    ids = [m.id for m in client.models.list().data]
    assert ids == ["skein"], ids


@check("chat: text, usage and finish reason")
def _():
    r = greedy(max_tokens=16)
    c = r.choices[0]
    assert c.message.role == "assistant" and isinstance(c.message.content, str) and c.message.content
    assert c.finish_reason in ("stop", "length")
    u = r.usage
    assert u.prompt_tokens > 0 and 0 < u.completion_tokens <= 16 and u.total_tokens == u.prompt_tokens + u.completion_tokens


@check("max_tokens bounds the completion")
def _():
    r = greedy(max_tokens=3)
    assert r.usage.completion_tokens <= 3
    if r.choices[0].finish_reason == "length":
        assert r.usage.completion_tokens == 3


@check("streaming gives the same text as a whole response, then usage")
def _():
    whole = greedy(max_tokens=20).choices[0].message.content
    chunks = list(greedy(max_tokens=20, stream=True, stream_options={"include_usage": True}))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == whole, (text, whole)
    finals = [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason]
    assert finals in (["stop"], ["length"]), finals
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


@check("stop sequences end the text before the stop string")
def _():
    whole = greedy(max_tokens=24).choices[0].message.content
    assert len(whole) >= 8, whole
    stop = whole[4:7]
    expected = whole[: whole.index(stop)]
    r = greedy(max_tokens=24, stop=[stop])
    assert r.choices[0].message.content == expected, (r.choices[0].message.content, expected, stop)
    assert r.choices[0].finish_reason == "stop"
    streamed = "".join(ch.choices[0].delta.content or "" for ch in greedy(max_tokens=24, stop=stop, stream=True) if ch.choices)
    assert streamed == expected, (streamed, expected)


@check("a seed reproduces a sampled completion")
def _():
    def sample(seed):
        return client.chat.completions.create(model="skein", messages=QUESTION, temperature=1.0, seed=seed,
                                              max_tokens=24).choices[0].message.content
    first, second = sample(42), sample(42)
    assert first == second, (first, second)
    others = {sample(s) for s in (1, 2, 3)}
    assert len(others | {first}) > 1, "different seeds all gave the same text"


@check("logprobs: top alternatives sorted, greedy token is the best one")
def _():
    r = greedy(max_tokens=6, logprobs=True, top_logprobs=3)
    content = r.choices[0].logprobs.content
    assert len(content) == r.usage.completion_tokens
    for t in content:
        tops = [a.logprob for a in t.top_logprobs]
        assert len(tops) == 3 and tops == sorted(tops, reverse=True) and all(lp <= 0 for lp in tops)
        assert abs(t.logprob - tops[0]) < 1e-6 and t.token == t.top_logprobs[0].token


@check("completions: text and token-id prompts")
def _():
    r = client.completions.create(model="skein", prompt="In the beginning God", max_tokens=8, temperature=0, logprobs=2)
    c = r.choices[0]
    assert c.text and len(c.logprobs.tokens) == r.usage.completion_tokens
    assert "".join(c.logprobs.tokens) == c.text or c.finish_reason == "stop"
    r2 = client.completions.create(model="skein", prompt=[1, 2, 3, 4], max_tokens=4, temperature=0)
    assert r2.usage.prompt_tokens == 4


@check("per-request long-context policy in the skein field")
def _():
    r = greedy(max_tokens=4, extra_body={"skein": {"attention": "streaming:sinks=4,window=64", "rope": "ntk:factor=2"}})
    info = r.model_extra["skein"]
    assert info["attention"] == "streaming:sinks=4,window=64" and info["rope"] == "ntk:factor=2", info
    for attention, kv in (("h2o:budget=32", "q8"), ("snapkv:budget=32", "f32"), ("quest:budget=32", "q4"), ("infllm", "f32")):
        r = greedy(max_tokens=4, extra_body={"skein": {"attention": attention, "kv_type": kv}})
        info = r.model_extra["skein"]
        assert info["attention"] == attention and info["kv_type"] == kv and r.usage.completion_tokens > 0, info
    expect_error(openai.BadRequestError, 400, lambda: greedy(max_tokens=4, extra_body={"skein": {"kv_type": "q3"}}),
                 code="invalid_policy")
    e = expect_error(openai.BadRequestError, 400, lambda: greedy(max_tokens=4, extra_body={"skein": {"attention": "nonsense"}}),
                     code="invalid_policy")
    assert "nonsense" in e.body["message"]


@check("the prefix cache serves a repeated long prompt")
def _():
    prompt = "And God said, Let there be light: and there was light. " * 12
    client.completions.create(model="skein", prompt=prompt, max_tokens=2, temperature=0)
    r = client.completions.create(model="skein", prompt=prompt + "And", max_tokens=2, temperature=0)
    assert r.model_extra["skein"]["cached_tokens"] > 32, r.model_extra


@check("sessions keep the conversation's cache")
def _():
    created = httpx.post(f"{root}/v1/sessions", headers=auth, json={"id": "client-check"})
    assert created.status_code == 201, created.text
    first = greedy(max_tokens=8, extra_body={"session": "client-check"})
    messages = QUESTION + [{"role": "assistant", "content": first.choices[0].message.content},
                           {"role": "user", "content": "And what did he say?"}]
    second = greedy(messages=messages, max_tokens=8, extra_body={"session": "client-check"})
    assert second.usage.prompt_tokens_details.cached_tokens > first.usage.prompt_tokens // 2, second.usage
    expect_error(openai.NotFoundError, 404, lambda: greedy(max_tokens=2, extra_body={"session": "no-such-session"}),
                 code="session_not_found")
    assert httpx.delete(f"{root}/v1/sessions/client-check", headers=auth).status_code == 200


@check("errors: context overflow, wrong types, bad values")
def _():
    expect_error(openai.BadRequestError, 400, lambda: greedy(max_tokens=10_000_000), code="context_length_exceeded")
    expect_error(openai.BadRequestError, 400, lambda: greedy(max_tokens=2, extra_body={"temperature": "hot"}))
    expect_error(openai.BadRequestError, 400, lambda: client.chat.completions.create(model="skein", messages=QUESTION, temperature=5))
    expect_error(openai.BadRequestError, 400, lambda: client.chat.completions.create(model="skein", messages=[]))
    expect_error(openai.BadRequestError, 400, lambda: client.completions.create(model="skein", prompt=[10**9], max_tokens=2))


@check("errors: malformed JSON, missing fields, huge body, unknown route (raw HTTP)")
def _():
    for body, status in ((b"{not json", 400), (b'{"messages": "hello"}', 400), (b'{"max_tokens": 3}', 400),
                         (b"x" * (args.max_body + 1), 413)):
        r = httpx.post(f"{root}/v1/chat/completions", headers={**auth, "Content-Type": "application/json"}, content=body)
        assert r.status_code == status, (body[:40], r.status_code, r.text)
        assert "message" in r.json()["error"], r.text
    r = httpx.get(f"{root}/v1/nothing-here", headers=auth)
    assert r.status_code == 404 and "error" in r.json()


@check("401 without the right key; /health stays open")
def _():
    bad = openai.OpenAI(base_url=args.base_url, api_key="wrong", max_retries=0)
    expect_error(openai.AuthenticationError, 401, lambda: bad.models.list())
    assert httpx.get(f"{root}/v1/models").status_code == 401
    assert httpx.get(f"{root}/health").json() == {"status": "ok"}


@check("the server still serves after every error, and counts them in /metrics")
def _():
    assert greedy(max_tokens=2).usage.completion_tokens > 0
    text = httpx.get(f"{root}/metrics", headers=auth).text
    assert 'skein_requests_total{route="/v1/chat/completions",status="400"}' in text, text
    assert 'status="200"' in text and "skein_generated_tokens_total" in text and "skein_kv_bytes" in text


print(json.dumps({"failures": failures}))
sys.exit(1 if failures else 0)
