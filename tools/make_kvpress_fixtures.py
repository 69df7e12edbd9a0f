#!/usr/bin/env python3
"""Records what kvpress does to the tiny fixture models, so Skein's KV-eviction policies can be
held against it (Tests/SkeinEngineTests/KVPressAgreementTests.swift).

Environment (CPU torch from the machine's local wheel folder, which pip searches):

    python3 -m venv /tmp/kvpress-venv && /tmp/kvpress-venv/bin/pip install "torch==2.13.0+cpu" "transformers<5.3" kvpress==0.5.5
    /tmp/kvpress-venv/bin/python tools/make_kvpress_fixtures.py --out Tests/Fixtures/kvpress

(that resolves to torch 2.13.0+cpu, transformers 5.2.0, kvpress 0.5.5).

For each model (the GQA llama-f32 and qwen3 fixtures of tools/make_model_fixtures.py), a fixed
prompt of token ids, each press (SnapKVPress, TOVAPress, ObservedAttentionPress) and each
compression ratio (0.25, 0.5: kvpress's ratio is the fraction *removed*), the script does what
kvpress's pipeline does: one prefill pass of the whole prompt under the press (compression runs
in each attention layer's forward hook, after that layer's attention, so the prefill itself is
uncompressed), then greedy decoding without compression at the true positions
(position_ids = prompt length + i). It records
  kept:    per layer, per kv head, the ascending prompt indices left in the cache
  scores:  per layer, per kv head, the press's score of every prompt index (for the tie rule)
  tokens:  the greedy tokens fed after the prompt (the first is the argmax of the prefill logits)
  logits:  the logits after feeding each of those tokens: row 0 is the next-token distribution
           right after compression, the rest follow greedily decoded tokens.
One JSON file per model: <model>.json.

`--set new` records the presses added later (KnormPress, PyramidKVPress, ChunkKVPress and
AdaKVPress, the last two wrapping SnapKVPress and, as chunkkv-knorm and adakv-knorm, KnormPress;
then ExpectedAttentionPress with its defaults)
into presses-<model>.json, leaving <model>.json
alone. There `kept` is read from the cache itself: every kept key row is matched to its index in
an uncompressed prefill's keys (ChunkKV and PyramidKV keep other counts than the ratio says), and
for AdaKV, which masks instead of removing, kept is every index not in the layer's
masked_key_indices. `scores` (the scorer's) are kept for PyramidKVPress, whose test has a tie
rule, and ExpectedAttentionPress, whose scores are compared too; the others must keep the same sets.
Its prompt repeats no token (a permutation of the vocabulary's first ids): RoPE is a rotation, so
two copies of one token have keys of the same norm, and KnormPress's choice between them would
follow the float rounding of the rotated keys, which no other implementation reproduces.
"""
import argparse
import json
import os

import kvpress
import torch
import transformers
from kvpress import (AdaKVPress, ChunkKVPress, ExpectedAttentionPress, KnormPress, ObservedAttentionPress,
                     PyramidKVPress, SnapKVPress, TOVAPress)
from transformers import AutoModelForCausalLM, DynamicCache

MODELS = ["llama-f32", "qwen3"]
PROMPT_LENGTH = 128
DECODE_STEPS = 5  # the token right after compression plus 4 greedily decoded ones
RATIOS = [0.25, 0.5]
SNAPKV = dict(window_size=32, kernel_size=5)


def presses(ratio):
    """(name, press, attention implementation): ObservedAttentionPress needs eager attention."""
    return [
        ("snapkv", SnapKVPress(compression_ratio=ratio, **SNAPKV), "sdpa"),
        ("tova", TOVAPress(compression_ratio=ratio), "sdpa"),
        ("observed", ObservedAttentionPress(compression_ratio=ratio), "eager"),
    ]


# PyramidKV with kvpress's default window (64) on a 128-token prompt gives every layer the same
# budget (or falls back to SnapKV): a 16-token window makes the pyramid's layers differ.
PYRAMID = dict(window_size=16, kernel_size=5, beta=20)
CHUNK = dict(chunk_length=20)
ADAKV = dict(alpha_safeguard=0.2)
# ExpectedAttentionPress's defaults (covariance and value norms on, epsilon 0).
EXPECTED = dict(n_future_positions=512, n_sink=4)


def new_presses(ratio):
    """(name, press factory, parameters recorded in the fixture)."""
    return [
        ("knorm", lambda: KnormPress(compression_ratio=ratio), {}),
        ("pyramidkv", lambda: PyramidKVPress(compression_ratio=ratio, **PYRAMID), dict(PYRAMID)),
        ("chunkkv", lambda: ChunkKVPress(press=SnapKVPress(compression_ratio=ratio, **SNAPKV), **CHUNK),
         dict(SNAPKV, **CHUNK)),
        ("adakv", lambda: AdaKVPress(press=SnapKVPress(compression_ratio=ratio, **SNAPKV), **ADAKV),
         dict(SNAPKV, alpha_safeguard_percent=int(ADAKV["alpha_safeguard"] * 100))),
        ("chunkkv-knorm", lambda: ChunkKVPress(press=KnormPress(compression_ratio=ratio), **CHUNK), dict(CHUNK)),
        ("adakv-knorm", lambda: AdaKVPress(press=KnormPress(compression_ratio=ratio), **ADAKV),
         dict(alpha_safeguard_percent=int(ADAKV["alpha_safeguard"] * 100))),
        ("expected-attention", lambda: ExpectedAttentionPress(compression_ratio=ratio, **EXPECTED), dict(EXPECTED)),
    ]


def prompt(vocab):
    """A fixed, deterministic prompt of token ids."""
    generator = torch.Generator().manual_seed(4242)
    return torch.randint(0, vocab, (PROMPT_LENGTH,), generator=generator).tolist()


def rounded(values, digits=7):
    return [float(f"{v:.{digits}g}") for v in values]


class ScoreRecorder:
    """Wraps a press's score() to keep each layer's scores (batch 0): (kvHeads, tokens)."""

    def __init__(self, press):
        self.scores = {}
        original = press.score

        def score(module, *args, **kwargs):
            result = original(module, *args, **kwargs)
            self.scores[module.layer_idx] = result[0].detach().clone()
            return result

        press.score = score


def run(model, tokens, press):
    recorder = ScoreRecorder(press)
    cache = DynamicCache()
    with torch.no_grad():
        with press(model):
            prefill = model(torch.tensor([tokens]), past_key_values=cache, use_cache=True)
        # The prompt's own positions survive in the cache: recover them from the keys kept.
        kept = []
        for layer, scores in sorted(recorder.scores.items()):
            n_kept = cache.layers[layer].keys.shape[2]
            indices = scores.topk(n_kept, dim=-1).indices.sort(dim=-1).values
            kept.append(indices.tolist())
        next_token = int(prefill.logits[0, -1].argmax())
        fed, logits = [], []
        for i in range(DECODE_STEPS):
            fed.append(next_token)
            position = torch.tensor([[len(tokens) + i]])
            out = model(torch.tensor([[next_token]]), past_key_values=cache, position_ids=position, use_cache=True)
            row = out.logits[0, -1]
            logits.append(rounded(row.tolist()))
            next_token = int(row.argmax())
    scores = [[rounded(head.tolist()) for head in recorder.scores[layer]] for layer in sorted(recorder.scores)]
    return dict(kept=kept, scores=scores, tokens=fed, logits=logits)


def check_kept(model, tokens, press_factory, record):
    """The kept indices must be the ones whose keys are in the cache (guards the topk replay)."""
    cache = DynamicCache()
    with torch.no_grad():
        with press_factory()(model):
            model(torch.tensor([tokens]), past_key_values=cache, use_cache=True)
        full = DynamicCache()
        model(torch.tensor([tokens]), past_key_values=full, use_cache=True)
    for layer, per_head in enumerate(record["kept"]):
        for head, indices in enumerate(per_head):
            expected = full.layers[layer].keys[0, head, indices]
            actual = cache.layers[layer].keys[0, head]
            # topk's order is by score; compare as sets of rows.
            assert torch.allclose(expected.sum(0), actual.sum(0), atol=1e-5), (layer, head)


def distinct_prompt(vocab):
    """A fixed prompt of PROMPT_LENGTH distinct token ids (needs vocab >= PROMPT_LENGTH)."""
    assert vocab >= PROMPT_LENGTH, vocab
    generator = torch.Generator().manual_seed(4242)
    return torch.randperm(vocab, generator=generator)[:PROMPT_LENGTH].tolist()


def run_new(model, tokens, press):
    """Like run(), but reads the kept indices from the cache (see the header)."""
    scorer = press.press if isinstance(press, (ChunkKVPress, AdaKVPress)) else press
    recorder = ScoreRecorder(scorer)
    with torch.no_grad():
        full = DynamicCache()
        model(torch.tensor([tokens]), past_key_values=full, use_cache=True)
        cache = DynamicCache()
        with press(model):
            prefill = model(torch.tensor([tokens]), past_key_values=cache, use_cache=True)
            kept = []
            for layer in range(len(cache.layers)):
                keys, everything = cache.layers[layer].keys[0], full.layers[layer].keys[0]
                per_head = []
                for head in range(keys.shape[0]):
                    if isinstance(press, AdaKVPress):
                        _, heads, indices = model.model.layers[layer].self_attn.masked_key_indices
                        masked = set(indices[heads == head].tolist())
                        per_head.append([i for i in range(len(tokens)) if i not in masked])
                    else:
                        matches = [(everything[head] == row).all(-1).nonzero().flatten().tolist() for row in keys[head]]
                        assert all(len(m) == 1 for m in matches), (layer, head)
                        per_head.append(sorted(m[0] for m in matches))
                kept.append(per_head)
            next_token = int(prefill.logits[0, -1].argmax())
            fed, logits = [], []
            for i in range(DECODE_STEPS):
                fed.append(next_token)
                position = torch.tensor([[len(tokens) + i]])
                out = model(torch.tensor([[next_token]]), past_key_values=cache, position_ids=position, use_cache=True)
                row = out.logits[0, -1]
                logits.append(rounded(row.tolist()))
                next_token = int(row.argmax())
    scores = [[rounded(head.tolist()) for head in recorder.scores[layer]] for layer in sorted(recorder.scores)]
    return dict(kept=kept, scores=scores, tokens=fed, logits=logits)


def main_new(args):
    for name in MODELS:
        folder = os.path.join(args.models, name)
        cases = []
        tokens = None
        for ratio in RATIOS:
            for press_name, factory, parameters in new_presses(ratio):
                model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="sdpa").eval()
                tokens = tokens or distinct_prompt(model.config.vocab_size)
                record = run_new(model, tokens, factory())
                if press_name not in ("pyramidkv", "expected-attention"):
                    record["scores"] = []  # only these tests read scores (a tie rule; a score check)
                cases.append(dict(press=press_name, compression_ratio=ratio, parameters=parameters, **record))
                counts = [[len(h) for h in layer] for layer in record["kept"]]
                print(f"{name} {press_name} {ratio}: kept {counts} of {len(tokens)}, tokens {record['tokens']}")
        fixture = dict(model=name, prompt=tokens, kvpress_version="0.5.5", torch_version=torch.__version__,
                       transformers_version=transformers.__version__, cases=cases)
        with open(os.path.join(args.out, f"presses-{name}.json"), "w") as f:
            json.dump(fixture, f, separators=(",", ":"))


def main():
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="Tests/Fixtures/models")
    parser.add_argument("--out", default="Tests/Fixtures/kvpress")
    parser.add_argument("--set", choices=["original", "new"], default="original",
                        help="original: snapkv, tova, observed into <model>.json; new: the later presses into presses-<model>.json")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    if args.set == "new":
        return main_new(args)
    for name in MODELS:
        folder = os.path.join(args.models, name)
        cases = []
        tokens = None
        for ratio in RATIOS:
            for press_name, press, implementation in presses(ratio):
                model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation=implementation).eval()
                tokens = tokens or prompt(model.config.vocab_size)
                record = run(model, tokens, press)
                factory = {"snapkv": lambda: SnapKVPress(compression_ratio=ratio, **SNAPKV),
                           "tova": lambda: TOVAPress(compression_ratio=ratio),
                           "observed": lambda: ObservedAttentionPress(compression_ratio=ratio)}[press_name]
                check_kept(model, tokens, factory, record)
                parameters = dict(SNAPKV) if press_name == "snapkv" else {}
                cases.append(dict(press=press_name, compression_ratio=ratio, parameters=parameters, **record))
                print(f"{name} {press_name} {ratio}: kept {len(record['kept'][0][0])} of {len(tokens)}, tokens {record['tokens']}")
        fixture = dict(model=name, prompt=tokens, kvpress_version=kvpress.__version__ if hasattr(kvpress, "__version__") else "0.5.5",
                       torch_version=torch.__version__, transformers_version=transformers.__version__, cases=cases)
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(fixture, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
