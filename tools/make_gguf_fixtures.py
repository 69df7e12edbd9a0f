#!/usr/bin/env python3
"""GGUF reference fixtures from gguf-py (PyPI `gguf`).

    python3 tools/make_gguf_fixtures.py

Writes Tests/Fixtures/gguf/quants.gguf: one tensor per GGML type Skein reads (F32, F16, BF16,
Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K), each a few blocks of random bytes with sane f16
scales, plus metadata of every value type; and quants.json with gguf-py's dequantization of
each tensor (the values Skein must reproduce) and the metadata as Python sees it.
"""
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "gguf")
TYPES = [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q4_K, T.Q5_K, T.Q6_K]


def random_blocks(rng, qtype, rows, cols):
    """Raw bytes of a (rows, cols) tensor: random payload, f16 scale fields set to small normal values."""
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = rows * cols // block
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    def put_f16(offset, scale):
        vals = (rng.standard_normal(n_blocks) * scale).astype(np.float16)
        raw[:, offset:offset + 2] = vals.view(np.uint8).reshape(n_blocks, 2)
    if qtype in (T.Q8_0, T.Q4_0, T.Q5_0):
        put_f16(0, 0.05)
    elif qtype in (T.Q4_1, T.Q5_1, T.Q4_K, T.Q5_K):
        put_f16(0, 0.05)
        put_f16(2, 0.05)
    elif qtype == T.Q6_K:
        put_f16(size - 2, 0.05)
    return raw.reshape(rows, cols // block * size)


def main():
    rng = np.random.default_rng(1234)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "quants.gguf")
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -5)
    writer.add_uint16("test.u16", 60000)
    writer.add_int16("test.i16", -30000)
    writer.add_uint32("test.u32", 4000000000)
    writer.add_int32("test.i32", -2000000000)
    writer.add_float32("test.f32", 1.5)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo ✓")
    writer.add_array("test.array", [1, 2, 3])
    writer.add_array("test.strings", ["a", "bc"])
    writer.add_uint64("test.u64", 2**40)
    writer.add_int64("test.i64", -2**40)
    writer.add_float64("test.f64", 2.25)
    expected = {}
    for qtype in TYPES:
        rows, cols = 2, 512
        name = f"t.{qtype.name.lower()}"
        if qtype == T.F32:
            data = rng.standard_normal((rows, cols)).astype(np.float32)
            writer.add_tensor(name, data)
            values = data
        elif qtype == T.F16:
            data = rng.standard_normal((rows, cols)).astype(np.float16)
            writer.add_tensor(name, data)
            values = data.astype(np.float32)
        else:
            if qtype == T.BF16:
                bits = (rng.standard_normal((rows, cols)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
                raw = bits.view(np.uint8).reshape(rows, cols * 2)
            else:
                raw = random_blocks(rng, qtype, rows, cols)
            writer.add_tensor(name, raw, raw_dtype=qtype)
            values = dequantize(raw, qtype)
        expected[name] = {"type": qtype.name, "shape": [rows, cols], "values": [round(float(v), 7) for v in values.reshape(-1)]}
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    reader = gguf.GGUFReader(path)
    for tensor in reader.tensors:
        got = dequantize(tensor.data, tensor.tensor_type).reshape(-1) if tensor.tensor_type not in (T.F32, T.F16) else np.asarray(tensor.data, dtype=np.float32).reshape(-1)
        assert np.allclose(got, np.array(expected[tensor.name]["values"]), atol=1e-5), tensor.name
    with open(os.path.join(OUT, "quants.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
