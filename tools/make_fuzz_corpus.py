#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets added for issue 25 (Fuzz/Corpus/<target>/):
chat-template, session-archive, offload, requests, plus tokenizer_config.json seeds and small
tokenizer.json seeds for the tokenizer target. Run from the repository root; the files are committed. The input layouts are
documented in Tests/SkeinFuzzEntryPoints (one feed function per target)."""
import json
import os
import struct

ROOT = "Fuzz/Corpus"


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def chat_templates():
    fixtures = "Tests/Fixtures/chat-templates"
    conversation = json.dumps({"messages": [{"role": "system", "content": "Be brief."},
                                            {"role": "user", "content": "Hi"},
                                            {"role": "assistant", "content": "Hello."},
                                            {"role": "user", "content": "Again?"}],
                               "add_generation_prompt": True, "bos_token": "<s>", "eos_token": "</s>",
                               "date_string": "26 Jul 2024"})
    for name in sorted(os.listdir(fixtures)):
        if name.endswith(".jinja"):
            source = open(os.path.join(fixtures, name)).read()
            write("chat-template", name.replace(".jinja", ".bin"), source + "\0" + conversation)
    write("chat-template", "no-context.bin", "{% for m in messages %}{{ m.role }}: {{ m.content | trim }}\n{% endfor %}")
    write("chat-template", "loops.bin", "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% for m in messages[::-1] %}"
          "{% set ns.n = ns.n + loop.index %}{{ loop.first }}{{ m['content'][1:] | upper }}{% endfor %}{% endfor %}{{ ns.n }}"
          "{{ messages | tojson(indent=2) }}{{ 'a,b' .split(',') | join('-') }}\0[{\"role\": \"user\", \"content\": \"x\"}]")
    write("chat-template", "macro.bin", "{% macro f(x, y='d') %}[{{ x }}|{{ y }}]{% endmacro %}{{ f(1) }}{{ f('a', y=2) }}"
          "{% if tools is not none %}{{ tools | length }}{% endif %}{% raw %}{{ raw }}{% endraw %}"
          "\0{\"tools\": [{\"name\": \"t\"}], \"messages\": []}")
    write("chat-template", "unclosed.bin", "{% for m in messages %}{{ m.content }")
    write("chat-template", "raise.bin", "{{ raise_exception('no system role') }}")
    write("chat-template", "include.bin", "{% include 'other.jinja' %}")


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def session(header, kv=None):
    """A session file without its checksums (the fuzz target appends them)."""
    body = json.dumps(header, separators=(",", ":")).encode()
    data = b"SKEINSES1\n" + struct.pack("<Q", len(body)) + body
    if kv is not None:
        data += kv
    return data


def kv_archive(count, channels=("stored",), layers=4, kv_heads=2, head_dim=32, next_position=None):
    """A KV cache archive for the demo model (4 layers, 2 kv heads, head dim 32), without its checksum."""
    header = {"layers": layers, "kvHeads": kv_heads, "headDim": head_dim, "count": count,
              "nextPosition": count if next_position is None else next_position,
              "positions": list(range(count)), "channels": list(channels)}
    body = json.dumps(header, separators=(",", ":")).encode()
    floats = (len(channels) + 1) * layers * kv_heads * count * head_dim
    payload = struct.pack("<%df" % floats, *[((i * 37) % 101) / 50.0 - 1.0 for i in range(floats)])
    return b"SKEINKV1" + struct.pack("<Q", len(body)) + body + payload


def session_archives():
    base = {"id": "s1", "attention": "full", "rope": "config", "kvType": "f32", "tokens": [], "hasCache": False}
    write("session-archive", "empty-session", session(base))
    write("session-archive", "with-cache-2", session(dict(base, tokens=[1, 2], hasCache=True), kv_archive(2)))
    write("session-archive", "with-cache-grouped", session(dict(base, id="g", tokens=[5, 6, 7], hasCache=True),
                                                           kv_archive(3, channels=("stored", "grouped:2"))))
    write("session-archive", "wrong-shape", session(dict(base, tokens=[1], hasCache=True), kv_archive(1, layers=3)))
    write("session-archive", "bad-policy", session(dict(base, attention="nonsense", tokens=[1], hasCache=True), kv_archive(1)))
    write("session-archive", "bad-positions", session(dict(base, tokens=[1, 2], hasCache=True), kv_archive(2, next_position=1)))
    write("session-archive", "not-json", b"SKEINSES1\n" + struct.pack("<Q", 5) + b"{nope")
    # Header lengths past Int.max once trapped in Int(_:) (found in review, issue 25).
    write("session-archive", "huge-header-length", b"SKEINSES1\n" + struct.pack("<Q", 0xFFFFFFFFFFFFFFF0) + b"{}" * 8)
    huge_kv = b"SKEINKV1" + struct.pack("<Q", 0x8000000000000001) + b"{}" * 8
    write("session-archive", "huge-kv-header-length", session(dict(base, tokens=[1], hasCache=True), huge_kv))
    write("session-archive", "bad-magic", b"SKEINSES2\n" + struct.pack("<Q", 2) + b"{}")


def offload():
    def seed(size, count, records, damage=()):
        ops = b"".join(struct.pack("<HB", offset, xor) for offset, xor in damage)
        return struct.pack("<HB", size - 1, count - 1) + records + ops
    floats = struct.pack("<16f", *[i / 3 for i in range(16)])
    write("offload", "clean-4x64", seed(64, 4, floats * 16))
    write("offload", "one-flip", seed(64, 4, floats * 16, [(70, 1)]))
    write("offload", "flip-undone", seed(32, 2, floats * 4, [(5, 0x80), (5, 0x80)]))
    write("offload", "every-record", seed(16, 8, floats * 2, [(i * 16 + 3, 0xFF) for i in range(8)]))
    write("offload", "short-records", seed(4096, 3, b"abc", [(4095, 7), (8191, 9)]))


def requests():
    write("requests", "chat.json", json.dumps({"model": "skein-demo", "messages": [{"role": "system", "content": "Be brief."},
                                                                                 {"role": "user", "content": "Once upon a time"}],
                                               "max_tokens": 16, "temperature": 0.7, "top_p": 0.9, "stop": ["\n\n", "END"],
                                               "seed": 7, "stream": True, "stream_options": {"include_usage": True}}))
    write("requests", "chat-parts.json", json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"},
                                                                                               {"type": "text", "text": " there"}]}],
                                                     "logprobs": True, "top_logprobs": 3,
                                                     "skein": {"attention": "streaming", "trim_turns": True}}))
    write("requests", "completion-text.json", json.dumps({"prompt": "The cat", "max_tokens": 8, "logprobs": 2, "stop": "."}))
    write("requests", "completion-tokens.json", json.dumps({"prompt": [1, 2, 3, 4], "max_tokens": 4, "top_k": 5, "min_p": 0.1,
                                                            "repetition_penalty": 1.1, "frequency_penalty": 0.5}))
    write("requests", "bad-temperature.json", json.dumps({"prompt": "x", "temperature": 5}))
    write("requests", "unknown-field.json", json.dumps({"messages": [{"role": "user", "content": "x"}], "frobnicate": 1}))
    write("requests", "bad-role.json", json.dumps({"messages": [{"role": "wizard", "content": "x"}]}))
    write("requests", "tokens-out-of-vocab.json", json.dumps({"prompt": [999999], "max_tokens": 1}))
    write("requests", "session.json", json.dumps({"prompt": "x", "session": "../etc", "skein": {"rope": "yarn:4"}}))
    write("requests", "n2.json", json.dumps({"prompt": "x", "n": 2, "echo": False, "best_of": 1}))
    write("requests", "not-json.json", "{\"prompt\": ")


def tokenizer_configs():
    template = open("Tests/Fixtures/chat-templates/microsoft-Phi-3-mini-4k-instruct.jinja").read()
    write("tokenizer", "config-phi3.bin", b"\x02" + json.dumps({"bos_token": "<s>", "eos_token": "<|eot|>", "chat_template": template,
                                                                  "add_bos_token": True}).encode())
    write("tokenizer", "config-objects.bin", b"\x02" + json.dumps({"bos_token": {"content": "<s>", "lstrip": False},
                                                                     "eos_token": None, "chat_template": [
                                                                         {"name": "default", "template": "{{ messages[0].content }}"}]}).encode())
    write("tokenizer", "config-bad.bin", b"\x02{\"chat_template\": 5}")


def shrink_tokenizer(data, keep=40, max_merges=16, max_text=300):
    """A few-hundred-byte version of a tokenizer seed (tokenizer.json NUL text): the first `keep`
    vocabulary entries, the merges among them (up to `max_merges`, results added), added tokens and
    post-processor ids renumbered to match, everything else (normalizer, pre-tokenizer, decoder,
    post-processor) kept. Small seeds let the fuzzer run thousands of inputs a second under ASan."""
    split = data.find(b"\0")
    tokenizer = json.loads(data[:split])
    text = data[split + 1:][:max_text]
    model = tokenizer["model"]
    old = sorted(model["vocab"].items(), key=lambda item: item[1])
    vocab = {token: i for i, (token, _) in enumerate(old[:keep])}
    merges = []
    for merge in model.get("merges", []):
        a, b = merge.split(" ", 1) if isinstance(merge, str) else merge
        if a in vocab and b in vocab and a + b in model["vocab"]:
            vocab.setdefault(a + b, len(vocab))
            merges.append(merge)
            if len(merges) == max_merges:
                break
    renumbered = {}
    for added in tokenizer.get("added_tokens") or []:
        if added["content"] not in vocab:
            vocab[added["content"]] = len(vocab)
        renumbered[added["id"]] = vocab[added["content"]]
        added["id"] = vocab[added["content"]]
    model["vocab"], model["merges"] = vocab, merges

    def renumber(node):
        if isinstance(node, dict):
            if "ids" in node and isinstance(node["ids"], list):
                node["ids"] = [renumbered.get(i, i % len(vocab)) for i in node["ids"]]
            for value in node.values():
                renumber(value)
        elif isinstance(node, list):
            for value in node:
                renumber(value)
    renumber(tokenizer.get("post_processor"))
    return json.dumps(tokenizer, separators=(",", ":"), ensure_ascii=False).encode() + b"\0" + text


def small_tokenizers():
    """Small tokenizer seeds: shrunk copies of the large ones (Fuzz/Corpus/tokenizer-large, which the
    replay tests read but tools/fuzz.sh does not fuzz from), and hand-made ones."""
    large = "Fuzz/Corpus/tokenizer-large"
    for name in sorted(os.listdir(large)):
        data = open(os.path.join(large, name), "rb").read()
        if data[:1] not in (b"\x01", b"\x02") and b"\0" in data:
            write("tokenizer", "small-" + name, shrink_tokenizer(data))
        elif data[:1] == b"\x01":  # text mode: the first 400 bytes of the text
            write("tokenizer", "small-" + name, data[:400])
    letters = "abcdefghijklmnopqrstuvwxyz"
    wordpiece_like = {"model": {"type": "BPE", "vocab": dict({c: i for i, c in enumerate(letters)},
                                                             **{"##s": 26, "th": 27, "the": 28, "[UNK]": 29}),
                                "merges": ["t h", "th e"], "unk_token": "[UNK]", "continuing_subword_prefix": "##"},
                      "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "StripAccents"},
                                                                          {"type": "Lowercase"}]},
                      "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}, {"type": "Punctuation"}]},
                      "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 31], "cls": ["[CLS]", 30]},
                      "added_tokens": [{"id": 30, "content": "[CLS]", "special": True}, {"id": 31, "content": "[SEP]", "special": True}],
                      "decoder": {"type": "BPEDecoder", "suffix": "</w>"}}
    write("tokenizer", "hand-wordpiece-like.bin", json.dumps(wordpiece_like).encode() + "\0Thé cats, the THE!".encode())
    metaspace = {"model": {"type": "BPE", "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x41>": 3, "<0xE2>": 4, "<0x96>": 5,
                                                    "<0x81>": 6, "\u2581": 7, "a": 8, "b": 9, "\u2581a": 10, "ab": 11},
                           "merges": [["\u2581", "a"], ["a", "b"]], "unk_token": "<unk>", "byte_fallback": True, "fuse_unk": True},
                 "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                                     {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
                 "added_tokens": [{"id": 1, "content": "<s>", "special": True}, {"id": 2, "content": "</s>", "special": True,
                                                                                 "lstrip": True, "rstrip": True}],
                 "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                                                             {"Sequence": {"id": "A", "type_id": 0}}],
                                    "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
                 "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                                                              {"type": "ByteFallback"}, {"type": "Fuse"},
                                                              {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}}
    write("tokenizer", "hand-bytefallback.bin", json.dumps(metaspace).encode() + "\0ab A</s> \u00e9 b a".encode())
    splits = {"model": {"type": "BPE", "vocab": {c: i for i, c in enumerate("0123456789 .,xyz")}, "merges": []},
              "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Strip", "left": True, "right": True},
                                                                  {"type": "Replace", "pattern": {"Regex": "\\d{4,}"}, "content": "0"}]},
              "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                  {"type": "Digits", "individual_digits": True},
                  {"type": "Split", "pattern": {"Regex": "[.,]"}, "behavior": "MergedWithPrevious", "invert": False},
                  {"type": "Split", "pattern": {"String": "x"}, "behavior": "Removed", "invert": True},
                  {"type": "WhitespaceSplit"}]},
              "decoder": {"type": "Fuse"}}
    write("tokenizer", "hand-splits.bin", json.dumps(splits).encode() + "\0 12, 3.4567 xyzzy \u2460 ".encode())


if __name__ == "__main__":
    chat_templates()
    session_archives()
    offload()
    requests()
    tokenizer_configs()
    small_tokenizers()
