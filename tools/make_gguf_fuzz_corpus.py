#!/usr/bin/env python3
"""Writes the seed corpus of the GGUF fuzz target (Fuzz/Corpus/gguf): a tiny valid llama
GGUF written by gguf-py, and damaged variants of it, each a few hundred bytes to a few KB.
FuzzCorpusTests replays every file; the names below are what it expects of the damaged ones.

    pip install gguf numpy
    python3 tools/make_gguf_fuzz_corpus.py
"""
import os
import struct
import tempfile

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, quants

OUT = "Fuzz/Corpus/gguf"
HIDDEN, FFN, HEADS, KV_HEADS, VOCAB = 32, 32, 4, 2, 8


def tiny_model(hidden=HIDDEN, heads=HEADS, drop_key=None, matrix_type=GGMLQuantizationType.Q8_0):
    """Bytes of a 1-layer llama GGUF (random weights); `drop_key` leaves one metadata key out."""
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.gguf")
        writer = GGUFWriter(path, "llama")
        keys = {
            "context_length": lambda: writer.add_context_length(128),
            "embedding_length": lambda: writer.add_embedding_length(hidden),
            "feed_forward_length": lambda: writer.add_feed_forward_length(FFN),
            "block_count": lambda: writer.add_block_count(1),
            "attention.head_count": lambda: writer.add_head_count(heads),
            "attention.head_count_kv": lambda: writer.add_head_count_kv(KV_HEADS),
            "attention.layer_norm_rms_epsilon": lambda: writer.add_layer_norm_rms_eps(1e-5),
            "rope.freq_base": lambda: writer.add_rope_freq_base(10000.0),
        }
        for key, add in keys.items():
            if key != drop_key:
                add()
        head_dim = HIDDEN // HEADS

        def matrix(name, rows, cols):
            w = rng.normal(0, 0.02, size=(rows, cols)).astype(np.float32)
            if matrix_type != GGMLQuantizationType.F32:
                w = quants.quantize(w, matrix_type)
                writer.add_tensor(name, w, raw_dtype=matrix_type)
            else:
                writer.add_tensor(name, w)

        def vector(name, n):
            writer.add_tensor(name, np.ones(n, dtype=np.float32))

        matrix("token_embd.weight", VOCAB, HIDDEN)
        vector("blk.0.attn_norm.weight", HIDDEN)
        matrix("blk.0.attn_q.weight", HEADS * head_dim, HIDDEN)
        matrix("blk.0.attn_k.weight", KV_HEADS * head_dim, HIDDEN)
        matrix("blk.0.attn_v.weight", KV_HEADS * head_dim, HIDDEN)
        matrix("blk.0.attn_output.weight", HIDDEN, HEADS * head_dim)
        vector("blk.0.ffn_norm.weight", HIDDEN)
        matrix("blk.0.ffn_gate.weight", FFN, HIDDEN)
        matrix("blk.0.ffn_up.weight", FFN, HIDDEN)
        matrix("blk.0.ffn_down.weight", HIDDEN, FFN)
        vector("output_norm.weight", HIDDEN)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        with open(path, "rb") as f:
            return f.read()


def header_end(data):
    """Offset where the first tensor info's name starts: after magic, version, counts and metadata."""
    # Parsed by hand: only the value types the tiny model uses (u32, f32, string, and arrays are absent).
    position = 24
    (key_count,) = struct.unpack_from("<Q", data, 16)
    for _ in range(key_count):
        (length,) = struct.unpack_from("<Q", data, position)
        position += 8 + length
        (value_type,) = struct.unpack_from("<I", data, position)
        position += 4
        if value_type == 8:
            (length,) = struct.unpack_from("<Q", data, position)
            position += 8 + length
        elif value_type in (4, 5, 6):
            position += 4
        else:
            raise ValueError(f"value type {value_type} not expected in the tiny model")
    return position


def patch_first_tensor(data, type_value=None, offset_value=None):
    """Changes the first tensor info's type or data offset."""
    data = bytearray(data)
    position = header_end(data)
    (length,) = struct.unpack_from("<Q", data, position)
    position += 8 + length
    (dimensions,) = struct.unpack_from("<I", data, position)
    position += 4 + 8 * dimensions
    if type_value is not None:
        struct.pack_into("<I", data, position, type_value)
    if offset_value is not None:
        struct.pack_into("<Q", data, position + 4, offset_value)
    return bytes(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    valid = tiny_model()  # Q8_0 matrices: the smallest; the damaged seeds start from it
    seeds = {
        "valid-q8_0.gguf": valid,
        "valid-f32.gguf": tiny_model(matrix_type=GGMLQuantizationType.F32),
        "valid-v2.gguf": valid[:4] + struct.pack("<I", 2) + valid[8:],
        "bad-magic.gguf": b"GGUG" + valid[4:],
        "bad-version.gguf": valid[:4] + struct.pack("<I", 4) + valid[8:],
        "truncated-header.gguf": valid[:header_end(valid) - 3],
        "truncated-data.gguf": valid[:len(valid) - 64],
        "absurd-tensor-count.gguf": valid[:8] + struct.pack("<Q", 1 << 60) + valid[16:],
        "unknown-tensor-type.gguf": patch_first_tensor(valid, type_value=99),
        "data-outside-file.gguf": patch_first_tensor(valid, offset_value=1 << 20),
        "heads-not-dividing.gguf": tiny_model(heads=6),
        "missing-block-count.gguf": tiny_model(drop_key="block_count"),
        "empty.gguf": b"",
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
