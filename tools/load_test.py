"""Load test for `skein serve` on loopback: N concurrent streaming clients per level.

Each client streams a completion for its own prompt (greedy), and its text is compared with
the same prompt's text from a request run alone, so lost or mixed-up streams are caught.
Prints a Markdown table of throughput and latency percentiles per concurrency level.

    swift build -c release
    .build/release/skein serve --port 8090 &
    python3 tools/load_test.py --base-url http://127.0.0.1:8090 --levels 1,2,4,8,16 --max-tokens 64
"""
import argparse
import json
import statistics
import sys
import threading
import time

import httpx2 as httpx

parser = argparse.ArgumentParser()
parser.add_argument("--base-url", default="http://127.0.0.1:8090")
parser.add_argument("--levels", default="1,2,4,8,16")
parser.add_argument("--max-tokens", type=int, default=64)
parser.add_argument("--rounds", type=int, default=2, help="requests per client at each level")
parser.add_argument("--api-key", default=None)
args = parser.parse_args()
headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
NAMES = ["Lord", "king", "people", "prophet", "angel", "city", "sea", "land", "river", "mountain", "servant", "priest",
         "temple", "house", "field", "vine"]


def prompt(i):
    return f"Verse {i + 1}: And the {NAMES[i % len(NAMES)]} of the {NAMES[(i * 7 + 3) % len(NAMES)]} said"


def body(p, stream):
    return {"prompt": p, "max_tokens": args.max_tokens, "temperature": 0, "stream": stream}


def stream_one(client, p):
    start = time.perf_counter()
    first = None
    text = []
    tokens = 0
    with client.stream("POST", "/v1/completions", json=body(p, True), headers=headers) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: {"):
                continue
            choice = json.loads(line[6:])["choices"]
            if choice and choice[0]["text"]:
                first = first or time.perf_counter()
                text.append(choice[0]["text"])
                tokens += 1
    return "".join(text), (first or time.perf_counter()) - start, time.perf_counter() - start


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


with httpx.Client(base_url=args.base_url, timeout=600) as client:
    levels = [int(x) for x in args.levels.split(",")]
    reference = {}
    for i in range(max(levels)):
        r = client.post("/v1/completions", json=body(prompt(i), False), headers=headers)
        r.raise_for_status()
        done = r.json()
        reference[i] = (done["choices"][0]["text"], done["usage"]["completion_tokens"])
    print("| clients | requests | generated tokens/s | TTFT p50 (s) | TTFT p95 (s) | latency p50 (s) | latency p95 (s) | 429 | lost or mixed up |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    failures = 0
    for level in levels:
        results, errors, rejected = [], [], []
        lock = threading.Lock()

        def client_thread(i):
            with httpx.Client(base_url=args.base_url, timeout=600) as own:
                for _ in range(args.rounds):
                    try:
                        text, ttft, total = stream_one(own, prompt(i))
                        with lock:
                            results.append((i, text, ttft, total))
                    except httpx.HTTPStatusError as e:
                        with lock:
                            (rejected if e.response.status_code == 429 else errors).append(repr(e))
                    except Exception as e:  # noqa: BLE001 - counted as lost
                        with lock:
                            errors.append(repr(e))

        wall = time.perf_counter()
        threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(level)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
        bad = len(errors) + sum(1 for i, text, _, _ in results if text != reference[i][0])
        failures += bad
        generated = sum(reference[i][1] for i, *_ in results)
        ttfts = [r[2] for r in results] or [0]
        totals = [r[3] for r in results] or [0]
        for e in errors[:3]:
            print("error:", e, file=sys.stderr)
        print(f"| {level} | {len(results) + len(errors) + len(rejected)} | {generated / wall:.0f} | {pct(ttfts, .5):.3f} | {pct(ttfts, .95):.3f} "
              f"| {pct(totals, .5):.3f} | {pct(totals, .95):.3f} | {len(rejected)} | {bad} |", flush=True)
    sys.exit(1 if failures else 0)
