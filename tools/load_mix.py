"""Mixed load on `skein serve` over loopback, with the official openai client.

64 concurrent clients send 1,000 requests in all: chat and completions, streaming and not, five
long-context policies chosen per request, seeded sampling and greedy, eight clients talking in
sessions, and one request in ten of the streaming ones dropped by its client after a few chunks.
Every response that is read to its end is compared with the same request run alone, one at a
time, before the load (sessions: the same conversation sent whole, without the session), so a
lost, mixed-up or batch-dependent response is counted. Resident memory of the server is read
before and after the load.

    swift build -c release
    python3 tools/load_mix.py --skein .build/release/skein            # starts and stops its own server

Talks only to 127.0.0.1; bounded by --requests and --timeout. Exit status 1 when anything was
lost or mixed up, a request was refused, or memory grew past --max-rss-growth-mb.
"""
import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from openai import AsyncOpenAI

parser = argparse.ArgumentParser()
parser.add_argument("--skein", default=".build/release/skein")
parser.add_argument("--clients", type=int, default=64)
parser.add_argument("--requests", type=int, default=1000)
parser.add_argument("--max-tokens", type=int, default=24)
parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run")
parser.add_argument("--max-rss-growth-mb", type=float, default=64)
args = parser.parse_args()

POLICIES = ["full", "streaming", "lm-infinite", "self-extend", "reattention"]
WORDS = ["Lord", "king", "people", "prophet", "angel", "city", "sea", "land", "river", "mountain", "servant", "priest"]
SESSION_CLIENTS = 8


def spec(i):
    """Request i: kind, streaming, policy, sampling, prompt; a tenth of the streaming ones disconnect."""
    stream = (i // 2) % 2 == 1
    return {
        "chat": i % 2 == 0,
        "stream": stream,
        "policy": POLICIES[i % len(POLICIES)],
        "seeded": i % 3 == 0,
        "disconnect": stream and i % 10 == 3,
        "text": f"Verse {i + 1}: And the {WORDS[i % len(WORDS)]} of the {WORDS[(i * 7 + 3) % len(WORDS)]} said",
    }


def start_server():
    sessions = tempfile.mkdtemp(prefix="skein-load-sessions-")
    server = subprocess.Popen([args.skein, "serve", "--port", "0", "--sessions", sessions],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    port = re.search(r":(\d+) \(", line)
    if not port:
        server.kill()
        sys.exit(f"skein serve did not report its port: {line!r}")
    return server, int(port.group(1))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def extra(s, session=None):
    body = {"skein": {"attention": s["policy"]}}
    if session:
        body["session"] = session
        del body["skein"]  # a session fixes its policy at creation
    return body


def sampling(s):
    return {"temperature": 0.8, "seed": 1234} if s["seeded"] else {"temperature": 0}


async def run(client, s, messages=None, session=None):
    """Sends request s; returns (text or None when dropped, time to first token, seconds, tokens)."""
    start = time.perf_counter()
    common = dict(model="skein", max_tokens=args.max_tokens, extra_body=extra(s, session), **sampling(s))
    if not s["stream"]:
        if s["chat"] or messages:
            r = await client.chat.completions.create(messages=messages or [{"role": "user", "content": s["text"]}], **common)
            text = r.choices[0].message.content
        else:
            r = await client.completions.create(prompt=s["text"], **common)
            text = r.choices[0].text
        elapsed = time.perf_counter() - start
        return text, elapsed, elapsed, r.usage.completion_tokens
    if s["chat"] or messages:
        stream = await client.chat.completions.create(messages=messages or [{"role": "user", "content": s["text"]}], stream=True, **common)
    else:
        stream = await client.completions.create(prompt=s["text"], stream=True, **common)
    parts, first, chunks = [], None, 0
    async for chunk in stream:
        if not chunk.choices:
            continue
        piece = chunk.choices[0].delta.content if (s["chat"] or messages) else chunk.choices[0].text
        if piece:
            first = first or time.perf_counter()
            parts.append(piece)
            chunks += 1
            if s["disconnect"] and chunks == 3:
                await stream.close()
                return None, first - start, time.perf_counter() - start, chunks
    return "".join(parts), (first or time.perf_counter()) - start, time.perf_counter() - start, chunks


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


async def main():
    server, port = start_server()
    base = f"http://127.0.0.1:{port}"
    client = AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0, timeout=300)
    try:
        specs = [spec(i) for i in range(args.requests)]
        session_turns = {c: [i for i in range(c, args.requests, args.clients)] for c in range(SESSION_CLIENTS)}
        in_session = {i for turns in session_turns.values() for i in turns}
        # References, one request at a time: plain requests as they are, session turns as whole conversations.
        reference, conversations = {}, {}
        for i, s in enumerate(specs):
            if i in in_session or s["disconnect"]:
                continue
            reference[i] = (await run(client, dict(s, stream=False, disconnect=False)))[0]
        for c, turns in session_turns.items():
            messages = []
            for i in turns:
                messages.append({"role": "user", "content": specs[i]["text"]})
                s = dict(specs[i], stream=False, disconnect=False, policy=POLICIES[c % len(POLICIES)])
                reference[i] = (await run(client, s, messages=list(messages)))[0]
                conversations[i] = list(messages)
                messages.append({"role": "assistant", "content": reference[i]})
        rss_before = rss_mb(server.pid)

        results, refused, errors = [], [], []

        async def client_task(c):
            session = None
            if c < SESSION_CLIENTS:
                session = f"load-{c}"
                body = json.dumps({"id": session, "skein": {"attention": POLICIES[c % len(POLICIES)]}}).encode()
                request = urllib.request.Request(base + "/v1/sessions", data=body, headers={"Content-Type": "application/json"})
                await asyncio.to_thread(urllib.request.urlopen, request)
            for i in range(c, args.requests, args.clients):
                s = specs[i]
                try:
                    if session:
                        s = dict(s, disconnect=False, policy=POLICIES[c % len(POLICIES)])
                        text, ttft, total, tokens = await run(client, s, messages=conversations[i], session=session)
                    else:
                        text, ttft, total, tokens = await run(client, s)
                    results.append((i, text, ttft, total, tokens, s))
                except Exception as e:  # noqa: BLE001 - counted
                    (refused if "429" in str(e) else errors).append(f"request {i}: {e!r}")

        wall = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(client_task(c) for c in range(args.clients))), args.timeout)
        wall = time.perf_counter() - wall
        await asyncio.sleep(1)
        rss_after = rss_mb(server.pid)
        # The server still answers after the drops.
        alive = urllib.request.urlopen(base + "/health", timeout=10).status == 200

        checked = [r for r in results if r[1] is not None]
        mixed = [r[0] for r in checked if r[1] != reference[r[0]]]
        dropped = len(results) - len(checked)
        ttfts = [r[2] for r in results]
        tokens = sum(r[4] for r in checked)
        print(f"requests {len(results) + len(refused) + len(errors)} (clients {args.clients}): completed {len(checked)}, "
              f"dropped by the client {dropped}, refused {len(refused)}, failed {len(errors)}, mixed up {len(mixed)}")
        print(f"kinds: chat {sum(1 for r in results if r[5]['chat'])}, streaming {sum(1 for r in results if r[5]['stream'])}, "
              f"seeded {sum(1 for r in results if r[5]['seeded'])}, in sessions {sum(1 for r in results if r[0] in in_session)}")
        print(f"wall {wall:.1f} s; completion tokens/s {tokens / wall:.0f}; time to first token p50 {pct(ttfts, .5):.3f} s, "
              f"p99 {pct(ttfts, .99):.3f} s; latency p50 {pct([r[3] for r in results], .5):.3f} s, p99 {pct([r[3] for r in results], .99):.3f} s")
        print(f"resident memory: {rss_before:.1f} MB before the load, {rss_after:.1f} MB after ({rss_after - rss_before:+.1f} MB); "
              f"health after the run: {'ok' if alive else 'FAILED'}")
        for line in (errors + refused)[:5] + [f"request {i}: text differs from the request run alone" for i in mixed[:5]]:
            print("  " + line, file=sys.stderr)
        bad = errors or refused or mixed or not alive or rss_after - rss_before > args.max_rss_growth_mb
        return 1 if bad else 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


sys.exit(asyncio.run(main()))
