#!/usr/bin/env python3
"""Train Skein's shipped demo model: a tiny Llama that retrieves passkeys at 256 tokens.

Reproducible end to end on 2 CPU cores in under an hour:

    apt-get install bible-kjv-text            # public-domain King James Bible (Debian)
    pip install "torch==2.13.0+cpu" transformers tokenizers safetensors
    nice python3 tools/train_demo_model.py --out Sources/SkeinDemoModel/Resources/skein-demo

Data: the King James Version of the Bible (public domain), printed by Debian's `bible`
program from the `bible-kjv-text` package, mixed with synthetic retrieval samples built from
that text: passkeys hidden in filler, key-value lines and needles. The last books (Jude and
Revelation) are held out and written as `heldout.txt` for perplexity and passkey filler.

The tokenizer is a byte-level BPE (vocabulary 2048) trained with HF `tokenizers`; digits are
split one by one so a 5-digit key is 5 tokens. The model is a LlamaForCausalLM (RoPE, RMSNorm,
SwiGLU, grouped-query attention) trained at 256 positions and saved in f16 with a
MODEL_CARD.md that records the data, the command, the time and the loss curve.
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import time

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM

CONTEXT = 256
VOCAB = 2048
SPECIAL = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
HELDOUT_BOOKS = ("Jude", "Rev")  # verse prefixes printed by `bible`: Jude1:1, Rev1:1
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] | trim + '<|end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


def read_bible():
    """Returns (training sentences, held-out text) from Debian's KJV."""
    out = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, check=True).stdout
    train, heldout = [], []
    for line in out.splitlines():
        m = re.match(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.*)$", line)
        if not m:
            continue
        book, text = m.group(1), m.group(4).strip()
        (heldout if book in HELDOUT_BOOKS else train).append(text)
    return train, " ".join(heldout)


def train_tokenizer(sentences):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB, special_tokens=SPECIAL, min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    synthetic = [passkey_text(random.Random(i), sentences, 40)[0] for i in range(2000)]
    tok.train_from_iterator(sentences + synthetic, trainer=trainer)
    bos = tok.token_to_id("<|endoftext|>")
    tok.post_processor = processors.TemplateProcessing(
        single="<|endoftext|> $A", pair="<|endoftext|> $A <|endoftext|> $B",
        special_tokens=[("<|endoftext|>", bos)])
    return tok


def filler(rng, sentences, count):
    start = rng.randrange(len(sentences) - count)
    return sentences[start:start + count]


def passkey_text(rng, sentences, count):
    """A passkey hidden at a random depth of `count` filler sentences, then the question."""
    key = str(rng.randrange(10000, 100000))
    parts = filler(rng, sentences, count)
    parts.insert(rng.randrange(len(parts) + 1), f"The pass key is {key}. Remember it. {key} is the pass key.")
    return " ".join(parts) + " What is the pass key? The pass key is " + key + ".", key


def kv_text(rng, sentences, count):
    """Key-value lines among filler; the question asks for one of them."""
    pairs = [(str(rng.randrange(100, 1000)), str(rng.randrange(1000, 10000))) for _ in range(rng.randrange(2, 6))]
    parts = filler(rng, sentences, count)
    for k, v in pairs:
        parts.insert(rng.randrange(len(parts) + 1), f"The value of key {k} is {v}.")
    k, v = rng.choice(pairs)
    return " ".join(parts) + f" What is the value of key {k}? The value of key {k} is {v}.", v


def needle_text(rng, sentences, count):
    """A named needle fact in filler; the question asks for it by name."""
    names = ["river", "city", "garden", "mountain", "harbor", "tower", "valley", "island"]
    name = rng.choice(names)
    number = str(rng.randrange(100, 10000))
    parts = filler(rng, sentences, count)
    parts.insert(rng.randrange(len(parts) + 1), f"The magic number of the {name} is {number}.")
    return " ".join(parts) + f" What is the magic number of the {name}? The magic number of the {name} is {number}.", number


ANSWER_WEIGHT = 5.0  # the few answer tokens of a retrieval sample weigh this much more in the loss


def sample_ids(rng, tok, sentences, bos):
    """One training sequence of at most CONTEXT tokens (starting with BOS), and how many of
    its final tokens are the answer (digits, the space before them and the closing period)."""
    kind = rng.random()
    while True:
        count = rng.randrange(1, 8)
        if kind < 0.70:
            text, answer = passkey_text(rng, sentences, count)
        elif kind < 0.80:
            text, answer = kv_text(rng, sentences, count)
        elif kind < 0.85:
            text, answer = needle_text(rng, sentences, count)
        else:
            text = " ".join(filler(rng, sentences, 24))
            return tok.encode(text).ids[:CONTEXT], 0
        ids = tok.encode(text).ids
        if len(ids) <= CONTEXT:
            return ids, len(answer) + 2


def batch(rng, tok, sentences, bos, size):
    rows = [sample_ids(rng, tok, sentences, bos) for _ in range(size)]
    x = torch.full((size, CONTEXT), bos, dtype=torch.long)
    labels = torch.full((size, CONTEXT), -100, dtype=torch.long)
    weights = torch.zeros((size, CONTEXT))
    for i, (ids, answer) in enumerate(rows):
        x[i, :len(ids)] = torch.tensor(ids)
        labels[i, :len(ids)] = torch.tensor(ids)
        weights[i, :len(ids)] = 1.0
        if answer:
            weights[i, len(ids) - answer:len(ids)] = ANSWER_WEIGHT
    return x, labels, weights


def weighted_loss(model, x, labels, weights):
    """Next-token cross-entropy with per-token weights (answer tokens count more)."""
    logits = model(input_ids=x).logits[:, :-1]
    target, w = labels[:, 1:], weights[:, 1:]
    losses = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=-100, reduction="none")
    return (losses * w.reshape(-1)).sum() / w.sum(), losses[target.reshape(-1) != -100].mean()


@torch.no_grad()
def passkey_accuracy(model, tok, sentences, trials, seed):
    """Greedy 5-digit passkey retrieval near the training length (prompts of 160-250 tokens)."""
    rng = random.Random(seed)
    hits = 0
    for _ in range(trials):
        for attempt in range(1000):  # filler lengths vary; keep prompts of 160..250 tokens
            text, key = passkey_text(rng, sentences, rng.randrange(3, 10))
            prompt = text[: text.rindex("The pass key is ") + len("The pass key is")]
            ids = tok.encode(prompt).ids
            if 160 <= len(ids) <= CONTEXT - 6:
                break
        out = model.generate(torch.tensor([ids]), max_new_tokens=6, do_sample=False, pad_token_id=0)
        answer = tok.decode(out[0, len(ids):].tolist())
        hits += answer.strip().startswith(key)
    return hits / trials


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Sources/SkeinDemoModel/Resources/skein-demo")
    ap.add_argument("--steps", type=int, default=2400)
    ap.add_argument("--min-steps", type=int, default=1200, help="train at least this long before stopping early")
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--time-budget", type=float, default=55 * 60, help="seconds; training stops early past it")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    sentences, heldout = read_bible()
    tok = train_tokenizer(sentences)
    bos = tok.token_to_id("<|endoftext|>")
    config = LlamaConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=192, intermediate_size=512,
        num_hidden_layers=4, num_attention_heads=6, num_key_value_heads=2, head_dim=32,
        max_position_embeddings=CONTEXT, rope_theta=10000.0, rms_norm_eps=1e-5,
        tie_word_embeddings=True, bos_token_id=bos, eos_token_id=bos)
    model = LlamaForCausalLM(config)
    params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {params:,}  vocab: {tok.get_vocab_size()}", flush=True)

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    warmup = 100
    schedule = lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    curve, evals = [], []
    start = time.time()
    step = 0
    for step in range(1, args.steps + 1):
        model.train()
        x, labels, weights = batch(rng, tok, sentences, bos, args.batch)
        objective, loss = weighted_loss(model, x, labels, weights)
        opt.zero_grad(set_to_none=True)
        objective.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 25 == 0:
            elapsed = time.time() - start
            curve.append({"step": step, "loss": round(loss.item(), 4), "seconds": round(elapsed, 1)})
            print(f"step {step} loss {loss.item():.4f} objective {objective.item():.4f} {elapsed:.0f}s", flush=True)
        if step % 200 == 0:
            model.eval()
            acc = passkey_accuracy(model, tok, sentences, 20, seed=step)
            evals.append({"step": step, "passkey": acc})
            print(f"step {step} passkey@1x {acc:.2f}", flush=True)
            # Stop once retrieval is learned and held: two evaluations in a row at 100%.
            if len(evals) >= 2 and evals[-1]["passkey"] == 1.0 and evals[-2]["passkey"] == 1.0 and step >= args.min_steps:
                print("passkey learned; stopping", flush=True)
                break
        if time.time() - start > args.time_budget:
            print("time budget reached", flush=True)
            break
    train_seconds = time.time() - start
    model.eval()
    final = passkey_accuracy(model, tok, sentences, 100, seed=99991)
    heldout_final = passkey_accuracy(model, tok, heldout.split(". "), 100, seed=99992)
    print(f"final passkey@1x: train-text filler {final:.2f}, held-out filler {heldout_final:.2f}", flush=True)

    model = model.to(torch.float16)
    model.save_pretrained(args.out, safe_serialization=True)
    tok.save(os.path.join(args.out, "tokenizer.json"))
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump({
            "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|endoftext|>",
            "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "add_bos_token": True,
            "model_max_length": CONTEXT, "chat_template": CHAT_TEMPLATE}, f, indent=2)
    with open(os.path.join(args.out, "heldout.txt"), "w") as f:
        f.write(heldout + "\n")
    with open(os.path.join(args.out, "training_log.json"), "w") as f:
        json.dump({"loss": curve, "passkey": evals, "seconds": round(train_seconds), "steps": step,
                   "final_passkey_1x": final, "final_passkey_1x_heldout": heldout_final,
                   "parameters": params, "args": vars(args)}, f)
    write_card(args, params, tok.get_vocab_size(), step, train_seconds, curve, evals, final, heldout_final)


def write_card(args, params, vocab, steps, seconds, curve, evals, final, heldout_final):
    points = curve[:: max(1, len(curve) // 16)] + curve[-1:]
    rows = "\n".join(f"| {p['step']} | {p['loss']:.3f} | {p['seconds']:.0f} |" for p in points)
    passkey_rows = "\n".join(f"| {e['step']} | {e['passkey'] * 100:.0f}% |" for e in evals)
    card = f"""# skein-demo

A {params / 1e6:.1f}M-parameter Llama-architecture model that Skein ships so that `skein demo` can
show, on any laptop, what training-free long-context methods do. It was trained at
**{CONTEXT} tokens** and knows almost nothing but the King James Bible and passkey retrieval.

## Architecture
LlamaForCausalLM: 4 layers, hidden 192, 6 query heads and 2 key-value heads (GQA, head_dim 32),
SwiGLU intermediate 512, RMSNorm (eps 1e-5), RoPE (theta 10000), tied embeddings,
max_position_embeddings {CONTEXT}. Weights in f16 safetensors.

Tokenizer: byte-level BPE, vocabulary {vocab}, trained with HF `tokenizers`; digits are split
one per token; `<|endoftext|>` is BOS and EOS. A small chat template (`<|user|>` ... `<|end|>`)
is included so chat tooling has something to render; the model was not trained on chat.

## Data and license
- The King James Version of the Bible, public domain, from Debian's `bible-kjv-text` package
  (printed with `bible -f Gen1:1-Rev22:21`). The books of Jude and Revelation are held out
  (`heldout.txt`) for perplexity and as passkey filler in evaluation.
- Synthetic retrieval samples built from that text (70% passkeys, 10% key-value lines,
  5% named needles, 15% plain text), generated by the training script. The answer tokens of
  retrieval samples weigh 5x in the loss.
The weights and tokenizer are released under the same terms as Skein's code.

## Training
Command (on 2 CPU cores, torch {torch.__version__}):

    nice python3 tools/train_demo_model.py --out {args.out} --steps {args.steps} --batch {args.batch} --seed {args.seed}

AdamW (lr {args.lr}, betas 0.9/0.95, weight decay 0.1), 100 warmup steps, cosine to 10%,
batch {args.batch} x {CONTEXT} tokens, {steps} steps, {seconds / 60:.1f} minutes.

| step | loss | seconds |
|---|---|---|
{rows}

## Passkey accuracy at the training length (greedy, 5-digit key)
| step | accuracy (20 trials) |
|---|---|
{passkey_rows}

Final, 100 trials each: **{final * 100:.0f}%** with filler from the training text,
**{heldout_final * 100:.0f}%** with held-out filler (Jude and Revelation).

What happens past {CONTEXT} tokens is measured by `skein demo`; see the README.
"""
    with open(os.path.join(args.out, "MODEL_CARD.md"), "w") as f:
        f.write(card)


if __name__ == "__main__":
    main()
