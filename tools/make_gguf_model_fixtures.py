#!/usr/bin/env python3
"""Converts fixture models (Tests/Fixtures/models) to GGUF with gguf-py's own writer and quantizers,
the way llama.cpp's convert_hf_to_gguf.py lays them out, so Skein's GGUF loader is tested against
files it did not write.

    pip install gguf safetensors numpy
    python3 tools/make_gguf_model_fixtures.py   # writes Tests/Fixtures/gguf/models/*.gguf

Layout facts followed (from convert_hf_to_gguf.py): tensor names token_embd / blk.N.attn_q /
ffn_gate / output_norm / output; llama q and k rows permuted to the interleaved RoPE order; phi3's
fused qkv_proj and gate_up_proj kept fused (attn_qkv, ffn_up); Llama 3 RoPE scaling written as a
`rope_freqs.weight` tensor of per-frequency divisors; LongRoPE factors as rope_factors_long/short.
Gemma 2: every norm weight stored as 1 + w; post_attention_norm / ffn_norm (pre-feedforward) /
post_ffw_norm; attn/final logit soft-capping and the sliding window as gemma2.* keys. llama.cpp has
no key for query_pre_attn_scalar: it scales queries by 1/sqrt(head_dim) (except Gemma 2 27B), so
the file's reference is transformers run with query_pre_attn_scalar = head_dim (gemma_reference).
Gemma 3: the same norms (q/k norms as 1 + w too), the global layers' RoPE (base, linear scaling) as
usual keys; llama.cpp fixes the sliding layers' base at 10000 and their pattern at five in six.
Norms and biases stay F32; matrices take the requested type. Nothing here runs at Skein's run time.
"""
import json
import math
import os

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, quants
from safetensors.numpy import load_file

MODELS = "Tests/Fixtures/models"
OUT = "Tests/Fixtures/gguf/models"
# (fixture folder, output name, matrix type)
JOBS = [
    ("llama-f32", "llama-f32", "F32"),
    ("llama-f32", "llama-q8_0", "Q8_0"),
    ("llama-f16", "llama-f16", "F16"),
    ("llama-tied", "llama-tied-f32", "F32"),
    ("qwen2", "qwen2-f32", "F32"),
    ("qwen3", "qwen3-f32", "F32"),
    ("phi3", "phi3-f32", "F32"),
    ("phi3-partial", "phi3-partial-f32", "F32"),
    ("phi3-longrope", "phi3-longrope-f32", "F32"),
    ("llama-rope-llama3", "llama-rope-llama3-f32", "F32"),
    ("llama-rope-yarn", "llama-rope-yarn-f32", "F32"),
    ("gemma2", "gemma2-f32", "F32"),
    ("gemma3", "gemma3-f32", "F32"),
    ("llama-k256", "llama-k256-q4_0", "Q4_0"),
    ("llama-k256", "llama-k256-q5_1", "Q5_1"),
]
ARCH = {"llama": "llama", "mistral": "llama", "qwen2": "qwen2", "qwen3": "qwen3", "phi3": "phi3", "gemma2": "gemma2",
        "gemma3_text": "gemma3"}


def permute(w, heads):
    """HF rotate-half rows -> interleaved pairs, per head (convert_hf_to_gguf's LlamaModel.permute)."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_divisors(rope, head_dim, base):
    factor, low, high = rope["factor"], rope["low_freq_factor"], rope["high_freq_factor"]
    original = rope["original_max_position_embeddings"]
    out = []
    for i in range(0, head_dim, 2):
        freq = 1.0 / base ** (i / head_dim)
        wavelength = 2 * math.pi / freq
        if wavelength < original / high:
            out.append(1.0)
        elif wavelength > original / low:
            out.append(factor)
        else:
            smooth = (original / wavelength - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def convert(folder, name, qtype):
    config = json.load(open(os.path.join(MODELS, folder, "config.json")))
    tensors = {}
    for f in sorted(os.listdir(os.path.join(MODELS, folder))):
        if f.endswith(".safetensors"):
            tensors.update({k: v.astype(np.float32) for k, v in load_file(os.path.join(MODELS, folder, f)).items()})
    arch = ARCH[config["model_type"]]
    heads, kv_heads = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])
    hidden = config["hidden_size"]
    head_dim = config.get("head_dim") or hidden // heads
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    rope = rope.get("full_attention", rope)  # Gemma 3: the global layers' RoPE
    base = rope.get("rope_theta", config.get("rope_theta", 10000.0))
    rotary = int(head_dim * rope.get("partial_rotary_factor", config.get("partial_rotary_factor", 1.0)))

    writer = GGUFWriter(os.path.join(OUT, name + ".gguf"), arch)
    writer.add_name(name)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(hidden)
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_rope_freq_base(base)
    writer.add_rope_dimension_count(rotary)
    if config.get("head_dim") and config["head_dim"] != hidden // heads:
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    if config.get("bos_token_id") is not None:
        writer.add_bos_token_id(config["bos_token_id"])
    if config.get("eos_token_id") is not None:
        writer.add_eos_token_id(config["eos_token_id"])
    rope_type = rope.get("rope_type", "default")
    if rope_type == "linear":
        writer.add_rope_scaling_type(__import__("gguf").RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(rope["factor"])
    if rope_type == "yarn":
        writer.add_rope_scaling_type(__import__("gguf").RopeScalingType.YARN)
        writer.add_rope_scaling_factor(rope["factor"])
        writer.add_rope_scaling_orig_ctx_len(rope["original_max_position_embeddings"])
    if rope_type == "longrope":
        writer.add_rope_scaling_orig_ctx_len(config["original_max_position_embeddings"])
        scale = config["max_position_embeddings"] / config["original_max_position_embeddings"]
        writer.add_rope_scaling_attn_factors(math.sqrt(1 + math.log(scale) / math.log(config["original_max_position_embeddings"])))

    def add(gguf_name, array, matrix):
        if matrix and qtype != "F32":
            kind = GGMLQuantizationType[qtype]
            if qtype == "F16":
                writer.add_tensor(gguf_name, array.astype(np.float16))
            else:
                data = quants.quantize(array, kind)
                writer.add_tensor(gguf_name, data, raw_shape=data.shape, raw_dtype=kind)
        else:
            writer.add_tensor(gguf_name, array.astype(np.float32))

    if rope_type == "llama3":
        add("rope_freqs.weight", llama3_divisors(rope, rotary, base), False)
    if rope_type == "longrope":
        add("rope_factors_long.weight", np.array(rope["long_factor"], dtype=np.float32), False)
        add("rope_factors_short.weight", np.array(rope["short_factor"], dtype=np.float32), False)
    gemma = arch in ("gemma2", "gemma3")
    if arch == "gemma2":
        writer.add_float32("gemma2.attn_logit_softcapping", config["attn_logit_softcapping"])
        writer.add_float32("gemma2.final_logit_softcapping", config["final_logit_softcapping"])
    if gemma:
        writer.add_sliding_window(config["sliding_window"])

    def norm(name):
        return tensors[name] + 1 if gemma else tensors[name]

    add("token_embd.weight", tensors["model.embed_tokens.weight"], True)
    for i in range(config["num_hidden_layers"]):
        p, q = f"model.layers.{i}.", f"blk.{i}."
        add(q + "attn_norm.weight", norm(p + "input_layernorm.weight"), False)
        if gemma:
            add(q + "post_attention_norm.weight", norm(p + "post_attention_layernorm.weight"), False)
            add(q + "ffn_norm.weight", norm(p + "pre_feedforward_layernorm.weight"), False)
            add(q + "post_ffw_norm.weight", norm(p + "post_feedforward_layernorm.weight"), False)
        else:
            add(q + "ffn_norm.weight", tensors[p + "post_attention_layernorm.weight"], False)
        if arch == "phi3":
            add(q + "attn_qkv.weight", tensors[p + "self_attn.qkv_proj.weight"], True)
            add(q + "ffn_up.weight", tensors[p + "mlp.gate_up_proj.weight"], True)
        else:
            wq, wk = tensors[p + "self_attn.q_proj.weight"], tensors[p + "self_attn.k_proj.weight"]
            if arch == "llama":
                wq, wk = permute(wq, heads), permute(wk, kv_heads)
            add(q + "attn_q.weight", wq, True)
            add(q + "attn_k.weight", wk, True)
            add(q + "attn_v.weight", tensors[p + "self_attn.v_proj.weight"], True)
            add(q + "ffn_gate.weight", tensors[p + "mlp.gate_proj.weight"], True)
            add(q + "ffn_up.weight", tensors[p + "mlp.up_proj.weight"], True)
            for hf, gg in [("q_proj.bias", "attn_q.bias"), ("k_proj.bias", "attn_k.bias"), ("v_proj.bias", "attn_v.bias"),
                           ("q_norm.weight", "attn_q_norm.weight"), ("k_norm.weight", "attn_k_norm.weight")]:
                if p + "self_attn." + hf in tensors:
                    add(q + gg, norm(p + "self_attn." + hf) if hf.endswith("norm.weight") else tensors[p + "self_attn." + hf], False)
        add(q + "attn_output.weight", tensors[p + "self_attn.o_proj.weight"], True)
        add(q + "ffn_down.weight", tensors[p + "mlp.down_proj.weight"], True)
    add("output_norm.weight", norm("model.norm.weight"), False)
    if not config.get("tie_word_embeddings", False):
        add("output.weight", tensors["lm_head.weight"], True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"{name}.gguf: {os.path.getsize(os.path.join(OUT, name + '.gguf'))} bytes")


def quantized_reference(folder, name, qtype):
    """transformers' logits for the fixture's tokens with every matrix replaced by its dequantized
    blocks (what the GGUF holds): the exact target for Skein on the quantized file."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, folder), dtype=torch.float32).eval()
    kind = GGMLQuantizationType[qtype]
    with torch.no_grad():
        for pname, parameter in model.named_parameters():
            if parameter.dim() == 2:  # every matrix, embedding included, is stored quantized
                w = parameter.detach().numpy()
                parameter.copy_(torch.from_numpy(quants.dequantize(quants.quantize(w, kind), kind).reshape(w.shape)))
    tokens = json.load(open(os.path.join(MODELS, folder, "reference.json")))["tokens"]
    with torch.no_grad():
        logits = model(torch.tensor([tokens])).logits[0]
    record = dict(tokens=tokens, compute_dtype="float32", transformers_version=transformers.__version__,
                  notes=f"{folder} with {qtype}-dequantized matrices",
                  full_logits=[[float(f"{v:.6g}") for v in row] for row in logits.tolist()])
    with open(os.path.join(OUT, name + ".reference.json"), "w") as f:
        json.dump(record, f, separators=(",", ":"))


def gemma_reference(folder, name):
    """transformers' logits with query_pre_attn_scalar = head_dim: what llama.cpp computes from a
    Gemma 2/3 file (it reads no query scalar and uses 1/sqrt(head_dim) for every size but 27B)."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM
    config = json.load(open(os.path.join(MODELS, folder, "config.json")))
    model = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, folder), dtype=torch.float32, attn_implementation="eager",
                                                 query_pre_attn_scalar=config["head_dim"]).eval()
    tokens = json.load(open(os.path.join(MODELS, folder, "reference.json")))["tokens"]
    with torch.no_grad():
        logits = model(torch.tensor([tokens])).logits[0]
    record = dict(tokens=tokens, compute_dtype="float32", transformers_version=transformers.__version__,
                  notes=f"{folder} with query_pre_attn_scalar = head_dim (llama.cpp's Gemma 2 query scale)",
                  full_logits=[[float(f"{v:.6g}") for v in row] for row in logits.tolist()])
    with open(os.path.join(OUT, name + ".reference.json"), "w") as f:
        json.dump(record, f, separators=(",", ":"))


def main():
    parser = __import__("argparse").ArgumentParser()
    parser.add_argument("--only", action="append", help="write only these output names")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for job in JOBS:
        if args.only and job[1] not in args.only:
            continue
        convert(*job)
        if job[0].startswith("gemma"):
            gemma_reference(job[0], job[1])
        elif job[2] not in ("F32", "F16"):
            quantized_reference(*job)


if __name__ == "__main__":
    main()
