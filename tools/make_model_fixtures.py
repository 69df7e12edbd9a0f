#!/usr/bin/env python3
"""Builds tiny random-weight Hugging Face checkpoints for every architecture and RoPE scaling Skein
supports, and records transformers' logits for them (full prefill and incremental steps).

    pip install "torch==2.13.0+cpu" transformers safetensors
    python3 tools/make_model_fixtures.py --out Tests/Fixtures/models

Each folder holds what save_pretrained writes plus reference.json:
  tokens:       the input ids
  full_logits:  logits of one forward pass over all tokens, one row per position
  incremental:  {prefill: k, steps: [{tokens, logits}]}: the first k tokens, then the rest in small
                steps through past_key_values (absent where transformers' own incremental path
                differs from its full pass: dynamic and longrope re-compute frequencies per call)
  compute_dtype: always float32: half-precision checkpoints are loaded and upcast, so the
                reference is f32 compute on the stored half weights, which is what Skein does.
"""
import argparse
import json
import os
import shutil

import torch
import transformers
from transformers import (Gemma2Config, Gemma2ForCausalLM, Gemma3ForCausalLM, Gemma3TextConfig, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
                          Phi3Config, Phi3ForCausalLM, Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)

BASE = dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, vocab_size=128, max_position_embeddings=64, rms_norm_eps=1e-5)
ORIGINAL = 32  # original context for the scaled-RoPE models; their sequences are longer than this


def model_specs():
    long_rope = dict(max_position_embeddings=128)
    half_dim = 64 // 4 // 2
    return [
        # name, config class, model class, config overrides, save dtype, sequence length, options
        ("llama-f32", LlamaConfig, LlamaForCausalLM, {}, torch.float32, 24, {}),
        ("llama-tied", LlamaConfig, LlamaForCausalLM, dict(tie_word_embeddings=True), torch.float32, 24, {}),
        ("llama-bf16", LlamaConfig, LlamaForCausalLM, {}, torch.bfloat16, 24, {}),
        ("llama-f16", LlamaConfig, LlamaForCausalLM, {}, torch.float16, 24, {}),
        ("llama-sharded", LlamaConfig, LlamaForCausalLM, {}, torch.float32, 24, dict(max_shard_size="60KB")),
        ("mistral", MistralConfig, MistralForCausalLM, dict(sliding_window=None), torch.float32, 24, {}),
        ("mistral-window", MistralConfig, MistralForCausalLM, dict(sliding_window=8), torch.float32, 24, {}),
        ("qwen2", Qwen2Config, Qwen2ForCausalLM, {}, torch.float32, 24, {}),
        ("qwen3", Qwen3Config, Qwen3ForCausalLM, dict(head_dim=24), torch.float32, 24, {}),
        ("phi3", Phi3Config, Phi3ForCausalLM, dict(pad_token_id=0, bos_token_id=1, eos_token_id=2), torch.float32, 24, {}),
        ("phi3-partial", Phi3Config, Phi3ForCausalLM,
         dict(pad_token_id=0, bos_token_id=1, eos_token_id=2, rope_parameters=dict(rope_type="default", rope_theta=10000.0, partial_rotary_factor=0.5)),
         torch.float32, 24, {}),
        ("llama-rope-linear", LlamaConfig, LlamaForCausalLM,
         dict(rope_parameters=dict(rope_type="linear", rope_theta=10000.0, factor=2.0)), torch.float32, 48, {}),
        ("llama-rope-dynamic", LlamaConfig, LlamaForCausalLM,
         dict(max_position_embeddings=ORIGINAL, rope_parameters=dict(rope_type="dynamic", rope_theta=10000.0, factor=2.0)),
         torch.float32, 48, dict(incremental=False)),
        ("llama-rope-yarn", LlamaConfig, LlamaForCausalLM,
         dict(max_position_embeddings=4 * ORIGINAL,
              rope_parameters=dict(rope_type="yarn", rope_theta=10000.0, factor=4.0, original_max_position_embeddings=ORIGINAL)),
         torch.float32, 48, {}),
        ("llama-rope-llama3", LlamaConfig, LlamaForCausalLM,
         dict(max_position_embeddings=4 * ORIGINAL,
              rope_parameters=dict(rope_type="llama3", rope_theta=10000.0, factor=4.0, low_freq_factor=1.0,
                                   high_freq_factor=4.0, original_max_position_embeddings=ORIGINAL)),
         torch.float32, 48, {}),
        ("phi3-longrope", Phi3Config, Phi3ForCausalLM,
         dict(pad_token_id=0, bos_token_id=1, eos_token_id=2, original_max_position_embeddings=ORIGINAL, **long_rope,
              rope_parameters=dict(rope_type="longrope", rope_theta=10000.0,
                                   short_factor=[1.0 + 0.05 * i for i in range(half_dim)],
                                   long_factor=[1.5 + 0.25 * i for i in range(half_dim)])),
         torch.float32, 48, dict(incremental=False)),
        # Gemma 2: tied head, post-norms, GeGLU, query_pre_attn_scalar != head_dim, soft-capping small
        # enough to bend these logits, and a window shorter than the sequence on layers 0 and 2.
        ("gemma2", Gemma2Config, Gemma2ForCausalLM,
         dict(num_hidden_layers=3, head_dim=16, query_pre_attn_scalar=24, attn_logit_softcapping=4.0,
              final_logit_softcapping=20.0, sliding_window=8, tie_word_embeddings=True, rms_norm_eps=1e-6,
              pad_token_id=0, bos_token_id=2, eos_token_id=1),
         torch.float32, 24, dict(attn="eager")),
        # Gemma 3 (text): q/k norms, five sliding layers (RoPE base 1e4) per global one (base 1e6,
        # linear scaling), window shorter than the sequence.
        ("gemma3", Gemma3TextConfig, Gemma3ForCausalLM,
         dict(num_hidden_layers=6, head_dim=16, query_pre_attn_scalar=24, sliding_window=8, tie_word_embeddings=True,
              rms_norm_eps=1e-6, pad_token_id=0, bos_token_id=2, eos_token_id=1,
              rope_parameters=dict(sliding_attention=dict(rope_type="default", rope_theta=10000.0),
                                   full_attention=dict(rope_type="linear", rope_theta=1000000.0, factor=2.0))),
         torch.float32, 24, dict(attn="eager")),
        # Qwen2 with sliding layers from max_window_layers on: layer_types [full, sliding].
        ("qwen2-layers", Qwen2Config, Qwen2ForCausalLM,
         dict(use_sliding_window=True, sliding_window=8, max_window_layers=1), torch.float32, 24, {}),
        # Rows of 256 so every GGML block type (K-quants included) can hold its weights (GGUF tests).
        ("llama-k256", LlamaConfig, LlamaForCausalLM,
         dict(hidden_size=256, intermediate_size=512, num_hidden_layers=1), torch.float16, 24, {}),
    ]


def randomize(model, generator):
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("norm.weight") or "layernorm" in name:
                parameter.copy_(1 + 0.2 * torch.randn(parameter.shape, generator=generator))
            elif name.endswith(".bias"):
                parameter.copy_(0.2 * torch.randn(parameter.shape, generator=generator))
            else:
                parameter.copy_(0.25 * torch.randn(parameter.shape, generator=generator))


def rounded(tensor):
    return [[float(f"{v:.6g}") for v in row] for row in tensor.tolist()]


def build(out, name, config_class, model_class, overrides, dtype, length, options, seed):
    folder = os.path.join(out, name)
    shutil.rmtree(folder, ignore_errors=True)
    kwargs = dict(BASE)
    kwargs.update(overrides)
    config = config_class(**kwargs)
    generator = torch.Generator().manual_seed(seed)
    if "attn" in options:
        config._attn_implementation = options["attn"]
    model = model_class(config).eval()
    randomize(model, generator)
    model.to(dtype).save_pretrained(folder, max_shard_size=options.get("max_shard_size", "50GB"))
    # The reference: the saved weights, upcast to f32.
    extra = dict(attn_implementation=options["attn"]) if "attn" in options else {}
    reference_model = model_class.from_pretrained(folder, dtype=torch.float32, **extra).eval()
    tokens = torch.randint(0, config.vocab_size, (length,), generator=generator).tolist()
    record = dict(tokens=tokens, compute_dtype="float32", transformers_version=transformers.__version__,
                  notes=f"random weights (seed {seed}), saved as {str(dtype).replace('torch.', '')}")
    with torch.no_grad():
        record["full_logits"] = rounded(reference_model(torch.tensor([tokens])).logits[0])
        if options.get("incremental", True):
            prefill = length // 2
            out_step = reference_model(torch.tensor([tokens[:prefill]]), use_cache=True)
            cache = out_step.past_key_values
            steps = []
            offset = prefill
            for size in [1, 3, 1, 2] * length:
                if offset >= length:
                    break
                chunk = tokens[offset:offset + size]
                result = reference_model(torch.tensor([chunk]), past_key_values=cache, use_cache=True)
                cache = result.past_key_values
                steps.append(dict(tokens=chunk, logits=rounded(result.logits[0])))
                offset += len(chunk)
            record["incremental"] = dict(prefill=prefill, steps=steps)
        else:
            record["notes"] += "; no incremental steps: transformers recomputes this scaling's frequencies per call"
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(record, f, separators=(",", ":"))
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, {length} tokens")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="Tests/Fixtures/models")
    parser.add_argument("--only", action="append", help="build only these fixtures (seeds stay the same)")
    args = parser.parse_args()
    torch.manual_seed(0)
    for index, spec in enumerate(model_specs()):
        if args.only and spec[0] not in args.only:
            continue
        build(args.out, *spec, seed=1000 + index)


if __name__ == "__main__":
    main()
