#!/usr/bin/env python3
"""Tokenizer speed: HF tokenizers vs `skein tokenize --time`, one thread, same text, same run.

    python3 tools/bench_tokenizer.py            # builds /tmp/skein-tok-bench/, prints both speeds

Makes about 10 MB of mixed text (the KJV from Debian's bible-kjv-text if present, Python
source from the standard library, and generated CJK/Arabic/Hindi/emoji/number lines), trains
a 32k-vocabulary byte-level BPE with the Llama-3 split pattern on part of it, then times
`Tokenizer.encode` on the whole text with RAYON_NUM_THREADS=1 and Skein's encoder on the
same file.
"""
import glob
import os
import random
import subprocess
import sys
import time

OUT = "/tmp/skein-tok-bench"
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def mixed_text(target=10_000_000):
    rng = random.Random(7)
    parts = []
    try:
        parts.append(subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True).stdout)
    except FileNotFoundError:
        pass
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.__file__), "*.py")))[:200]:
        parts.append(open(path, encoding="utf-8", errors="replace").read())
    extra = ["你好，世界。今天的天气很好，我们去公园散步吧。", "مرحبا بالعالم، كيف حالك اليوم؟", "नमस्ते दुनिया, आप कैसे हैं?",
             "👩🏽‍💻 👨‍👩‍👧‍👦 🇫🇷 🎉", "Prix: 1 234,56 € — 2026-11-23 12:34:56", "ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ"]
    parts.append("\n".join(rng.choice(extra) for _ in range(20000)))
    text = "\n".join(parts)
    while len(text.encode()) < target:
        text += text
    return text.encode()[:target].decode("utf-8", errors="ignore")


def main():
    os.environ["RAYON_NUM_THREADS"] = "1"
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    os.makedirs(OUT, exist_ok=True)
    text = mixed_text()
    with open(f"{OUT}/text.txt", "w") as f:
        f.write(text)
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(text[:3_000_000].splitlines(), trainers.BpeTrainer(
        vocab_size=32000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.save(f"{OUT}/tokenizer.json")
    tok = Tokenizer.from_file(f"{OUT}/tokenizer.json")
    best = None
    for _ in range(3):
        start = time.perf_counter()
        ids = tok.encode(text, add_special_tokens=False).ids
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    mb = len(text.encode()) / 1e6
    print(f"HF tokenizers, one encode() of the whole text: {len(ids)} tokens from {mb:.2f} MB in {best:.3f} s: {mb / best:.2f} MB/s")
    # The usual way: many documents of a few KB, encode_batch on one thread.
    docs, size = [], 4096
    for i in range(0, len(text), size):
        docs.append(text[i:i + size])
    best = None
    for _ in range(3):
        start = time.perf_counter()
        batch = tok.encode_batch(docs, add_special_tokens=False)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    count = sum(len(e.ids) for e in batch)
    print(f"HF tokenizers, encode_batch of 4 KB documents: {count} tokens from {mb:.2f} MB in {best:.3f} s: {mb / best:.2f} MB/s")
    skein = os.path.join(os.path.dirname(__file__), "..", ".build", "release", "skein")
    for _ in range(3):
        out = subprocess.run([skein, "tokenize", "--model", OUT, "--file", f"{OUT}/text.txt", "--no-special-tokens", "--time"],
                             capture_output=True, text=True)
        print("skein:", (out.stdout or out.stderr).strip())
    ours = subprocess.run([skein, "tokenize", "--model", OUT, "--file", f"{OUT}/text.txt", "--no-special-tokens"],
                          capture_output=True, text=True).stdout.strip()
    print("ids identical:", [int(x) for x in ours.split(",")] == ids)


if __name__ == "__main__":
    main()
