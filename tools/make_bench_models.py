#!/usr/bin/env python3
"""Writes random-weight Hugging Face model folders shaped like public checkpoints, for speed
benchmarks only (their outputs are meaningless). Nothing here is committed but this script.

    python3 tools/make_bench_models.py --out /tmp/skein-bench-models [--only qwen2.5-0.5b]
"""
import argparse
import os
import shutil

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

# A small trained tokenizer per shape, so `skein quantize` can write the tokenizer metadata llama.cpp
# needs (its vocabulary is padded to the model's size). Speed does not depend on it.
TOKENIZERS = {"qwen2.5-0.5b": "qwen2", "llama-3.2-1b": "llama3", "small-llama": "llama3"}
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "tokenizers")

SHAPES = {
    # name: (config class, model class, config kwargs)
    "qwen2.5-0.5b": (Qwen2Config, Qwen2ForCausalLM, dict(
        hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
        num_key_value_heads=2, vocab_size=151936, max_position_embeddings=32768, rope_theta=1000000.0,
        tie_word_embeddings=True, rms_norm_eps=1e-6)),
    "llama-3.2-1b": (LlamaConfig, LlamaForCausalLM, dict(
        hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
        num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072, rope_theta=500000.0,
        tie_word_embeddings=True, rms_norm_eps=1e-5,
        rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0,
                          original_max_position_embeddings=8192))),
    "small-llama": (LlamaConfig, LlamaForCausalLM, dict(
        hidden_size=512, intermediate_size=1408, num_hidden_layers=8, num_attention_heads=8,
        num_key_value_heads=4, vocab_size=8192, max_position_embeddings=4096)),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", action="append")
    parser.add_argument("--dtype", default="float16", choices=["float16", "bfloat16", "float32"])
    args = parser.parse_args()
    torch.manual_seed(0)
    for name, (config_class, model_class, kwargs) in SHAPES.items():
        if args.only and name not in args.only:
            continue
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        shutil.copy(os.path.join(FIXTURES, TOKENIZERS[name], "tokenizer.json"), folder)
        if os.path.exists(os.path.join(folder, "config.json")):
            print(f"{folder}: exists, skipped")
            continue
        config = config_class(**kwargs)
        with torch.device("meta"):
            model = model_class(config)
        model = model.to_empty(device="cpu")
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.normal_(0, 0.02)
        model = model.to(getattr(torch, args.dtype))
        model.save_pretrained(folder)
        print(f"{folder}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters")


if __name__ == "__main__":
    main()
