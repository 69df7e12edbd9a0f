#!/usr/bin/env python3
"""Times Skein and llama.cpp (through llama-cpp-python, as users install it from PyPI) on the same
GGUF files, with the same threads, in one run, and prints a Markdown table for docs/BENCHMARKS.md.

    pip install llama-cpp-python          # compiles llama.cpp here (about 5 minutes); never commit it
    python3 tools/make_bench_models.py --out /tmp/skein-bench-models --only qwen2.5-0.5b --only llama-3.2-1b
    python3 tools/bench_vs_llamacpp.py --models /tmp/skein-bench-models --types F16,Q8_0,Q4_K_M

For each model folder and type, the GGUF file is written by `skein quantize` when it is missing.
Each test is the median of --repetitions timed runs after one warm-up, like llama-bench:
  - pp512: one forward pass over 512 random prompt tokens from an empty context (last logits only);
  - tg128: 128 single-token forward passes from an empty context.
Skein's side is `skein bench --json` on the same file; it also measures memory bandwidth in the same
run and reports the generation roofline fraction.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time


def llamacpp_rows(path, threads, prompt, generate, repetitions):
    """pp and tg tokens/s (median, stdev) of llama.cpp on `path`."""
    from llama_cpp import Llama

    llm = Llama(model_path=path, n_ctx=prompt + generate + 16, n_batch=prompt, n_ubatch=prompt,
                n_threads=threads, n_threads_batch=threads, verbose=False)
    vocabulary = llm.n_vocab()
    rng = random.Random(0)

    def tokens(count):
        return [rng.randrange(vocabulary) for _ in range(count)]

    def time_prompt():
        llm.reset()
        batch = tokens(prompt)
        start = time.perf_counter()
        llm.eval(batch)
        return prompt / (time.perf_counter() - start)

    def time_generation():
        llm.reset()
        batch = tokens(generate)
        start = time.perf_counter()
        for token in batch:
            llm.eval([token])
        return generate / (time.perf_counter() - start)

    rows = {}
    for name, run in ((f"pp{prompt}", time_prompt), (f"tg{generate}", time_generation)):
        run()  # warm-up
        samples = [run() for _ in range(repetitions)]
        rows[name] = (statistics.median(samples), statistics.stdev(samples) if len(samples) > 1 else 0.0)
    del llm
    return rows


def llamacpp_rows_isolated(path, threads, prompt, generate, repetitions):
    """`llamacpp_rows` in a child process, so none of llama.cpp's threads outlive its turn."""
    command = [sys.executable, __file__, "--llamacpp-child", path, "--threads", str(threads), "-p", str(prompt),
               "-n", str(generate), "--repetitions", str(repetitions), "--models", "-"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {name: tuple(values) for name, values in json.loads(output).items()}


def skein_rows(skein, path, threads, prompt, generate, repetitions):
    """pp and tg rows of `skein bench --json` on `path`, keyed by test name."""
    command = [skein, "bench", "--model", path, "-p", str(prompt), "-n", str(generate), "-d", "0",
               "-r", str(repetitions), "--threads", str(threads), "--json"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {row["test"]: row for row in json.loads(output)}


def ensure_gguf(skein, folder, quant_type):
    path = os.path.join(folder, f"model-{quant_type}.gguf")
    if not os.path.exists(path):
        print(f"writing {path}", file=sys.stderr)
        subprocess.run([skein, "quantize", "--model", folder, "--type", quant_type, "--out", path], check=True)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", required=True, help="folder of model folders (tools/make_bench_models.py --out)")
    parser.add_argument("--only", action="append", help="model folder names (default: qwen2.5-0.5b, llama-3.2-1b)")
    parser.add_argument("--types", default="F16,Q8_0,Q4_K_M")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("-p", type=int, default=512)
    parser.add_argument("-n", type=int, default=128)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--skein", default=".build/release/skein")
    parser.add_argument("--json-out", help="also write all rows here")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the two engines this many times")
    parser.add_argument("--llamacpp-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.llamacpp_child:
        print(json.dumps(llamacpp_rows(args.llamacpp_child, args.threads, args.p, args.n, args.repetitions)))
        return

    names = args.only or ["qwen2.5-0.5b", "llama-3.2-1b"]
    records = []
    print(f"| model | type | test | llama.cpp t/s | Skein t/s | Skein / llama.cpp | Skein roofline |")
    print(f"|---|---|---|---|---|---|---|")
    for name in names:
        for quant_type in args.types.split(","):
            path = ensure_gguf(args.skein, os.path.join(args.models, name), quant_type)
            for _ in range(args.rounds):
                theirs = llamacpp_rows_isolated(path, args.threads, args.p, args.n, args.repetitions)
                ours = skein_rows(args.skein, path, args.threads, args.p, args.n, args.repetitions)
                report(records, name, quant_type, args.threads, theirs, ours)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(records, f, indent=1)


def report(records, name, quant_type, threads, theirs, ours):
    """Prints one table row per test and keeps it in `records`."""
    for test, (their_speed, their_spread) in theirs.items():
        row = ours[test]
        roofline = row.get("roofline_fraction")
        records.append(dict(model=name, type=quant_type, test=test, threads=threads,
                            llamacpp_tokens_per_s=their_speed, llamacpp_stddev=their_spread,
                            skein_tokens_per_s=row["tokens_per_s"], skein_stddev=row["stddev"],
                            skein_roofline_fraction=roofline, bandwidth_gb_s=row.get("bandwidth_gb_s"),
                            bytes_per_token=row.get("bytes_per_token")))
        roofline_text = f"{roofline * 100:.0f}% of {row['bandwidth_gb_s']:.1f} GB/s" if roofline else ""
        print(f"| {name} | {quant_type} | {test} | {their_speed:.1f} ± {their_spread:.1f} "
              f"| {row['tokens_per_s']:.1f} ± {row['stddev']:.1f} "
              f"| {row['tokens_per_s'] / their_speed:.2f}x | {roofline_text} |", flush=True)


if __name__ == "__main__":
    main()
