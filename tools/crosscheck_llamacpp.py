#!/usr/bin/env python3
"""Compares Skein's logits with llama.cpp's (through llama-cpp-python) on the same GGUF files.

    pip install llama-cpp-python          # compiles llama.cpp here (about 5 minutes); never commit it
    python3 tools/crosscheck_llamacpp.py /tmp/skein-bench-models/qwen2.5-0.5b/model-Q8_0.gguf ...

For each file, one prompt of --tokens random token ids (fixed seed) runs through both engines in one
prefill; Skein's side is `skein logits --json`. Printed per file: the largest absolute logit
difference, the largest |logit| (for scale), the difference relative to each position's logit
range, and at how many positions the argmax and the top-5 sets agree. Both engines quantize
activations differently (Skein: int8 per 16 values; llama.cpp: per 32, or per 256 for K-quants),
so quantized files are expected to differ by a fraction of a percent of the logit range, not to
agree to the last bit.
"""
import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np


def llamacpp_logits(path, count, seed, threads):
    """The prompt (`count` random ids) and llama.cpp's (positions, vocabulary) logits after one prefill."""
    from llama_cpp import Llama

    llm = Llama(model_path=path, n_ctx=count + 16, n_batch=count, n_threads=threads, logits_all=True, verbose=False)
    rng = random.Random(seed)
    tokens = [rng.randrange(llm.n_vocab()) for _ in range(count)]
    llm.eval(tokens)
    logits = np.array(llm.scores[:count], dtype=np.float64)
    del llm
    return tokens, logits


def skein_logits(skein, path, tokens):
    out = subprocess.run([skein, "logits", "--model", path, "--tokens", ",".join(map(str, tokens)), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return np.array(json.loads(out)["logits"], dtype=np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="GGUF files")
    parser.add_argument("--skein", default=".build/x86_64-unknown-linux-gnu/release/skein")
    parser.add_argument("--tokens", type=int, default=16, help="prompt length")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print("| file | max abs diff | max abs logit | max diff / logit range | argmax agrees | top-5 agrees |")
    print("|---|---|---|---|---|---|")
    for path in args.files:
        tokens, theirs = llamacpp_logits(path, args.tokens, args.seed, args.threads)
        ours = skein_logits(args.skein, path, tokens)
        if ours.shape != theirs.shape:
            sys.exit(f"{path}: Skein gave {ours.shape} logits, llama.cpp {theirs.shape}")
        difference = np.abs(ours - theirs)
        ranges = theirs.max(axis=1) - theirs.min(axis=1)
        relative = (difference.max(axis=1) / ranges).max()
        argmax = int((ours.argmax(axis=1) == theirs.argmax(axis=1)).sum())
        top5 = sum(set(np.argsort(-o)[:5]) == set(np.argsort(-t)[:5]) for o, t in zip(ours, theirs))
        name = "/".join(path.split("/")[-2:])
        print(f"| {name} | {difference.max():.2e} | {np.abs(theirs).max():.3g} | {relative:.2%} | "
              f"{argmax}/{len(tokens)} | {top5}/{len(tokens)} |")


if __name__ == "__main__":
    main()
