#!/usr/bin/env python3
"""Vocab-only GGUF tokenizer fixtures written by gguf-py, the way convert_hf_to_gguf.py does.

    python3 tools/make_gguf_tokenizer_fixtures.py

For each tokenizer fixture folder in Tests/Fixtures/tokenizers (gpt2, llama3, qwen2,
sentencepiece) this copies tokenizer.json into a scratch folder next to a small
tokenizer_config.json defined here (special tokens, add_bos_token, chat template), then
writes Tests/Fixtures/gguf/tokenizers/<name>/:

- tokenizer_config.json: the config used (Skein's tests read it too).
- vocab.gguf: tokenizer metadata only, written with gguf.GGUFWriter + gguf.SpecialVocab
  (+ gguf.LlamaHfVocab for the SentencePiece-style tokenizer), following convert_hf_to_gguf.py:
  * byte-level BPE -> `_set_vocab_gpt2`: model "gpt2", tokens padded with "[PAD{id}]"
    (type UNUSED) up to the model's vocab_size, added tokens CONTROL when special (or looking
    special) else USER_DEFINED, merges from tokenizer.json. convert_hf_to_gguf picks `pre` by
    hashing the tokenization of a probe text; these synthetic tokenizers have no known hash,
    so the pre name is the one of the family each fixture copies (gpt-2, llama-bpe, qwen2).
  * byte-fallback BPE with a Sequence decoder -> `_set_vocab_llama_hf`: model "llama",
    pre "default", LlamaHfVocab tokens/scores/types.
- metadata.json: every tokenizer.* key as gguf-py's GGUFReader reads it back
  ({"key", "type", "value"}), the reference for Skein's GGUF metadata entries.
- llama_cpp.json (only when llama-cpp-python is installed): llama.cpp's ids for every
  cases.json text, with and without special tokens. The agreement with HF is printed.
"""
import json
import os
import shutil
import sys
import tempfile

import gguf

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCE = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "gguf", "tokenizers")

CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] "
          "+ '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

FIXTURES = {
    "gpt2": {
        "pre": "gpt-2",
        "vocab_size": 1210,
        "config": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
            "chat_template": "{% for message in messages %}{{ message['content'] }}{{ eos_token }}{% endfor %}",
        },
    },
    "llama3": {
        "pre": "llama-bpe",
        "vocab_size": None,
        "config": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
            "chat_template": "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] "
                             "+ '<|end_header_id|>\\n\\n' + message['content'] + '<|eot_id|>' }}{% endfor %}",
        },
    },
    "qwen2": {
        "pre": "qwen2",
        "vocab_size": 1216,
        "config": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
            "add_bos_token": False,
            "chat_template": [
                {"name": "default", "template": CHATML},
                {"name": "tool_use", "template": "{{ '<tool_call>' }}" + CHATML},
            ],
        },
    },
    "sentencepiece": {
        "pre": None,  # the llama path always writes "default"
        "vocab_size": None,
        "config": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
            "add_bos_token": True, "add_eos_token": False,
            "chat_template": "{{ bos_token }}{% for message in messages %}[INST] {{ message['content'] }} [/INST]{% endfor %}",
        },
    },
}


def does_token_look_special(token: str) -> bool:
    """convert_hf_to_gguf.py's TextModel.does_token_look_special."""
    seems_special = token in ("<pad>", "<mask>", "<2mass>", "[@BOS@]")
    seems_special = seems_special or (token.startswith("<|") and token.endswith("|>"))
    seems_special = seems_special or (token.startswith("<｜") and token.endswith("｜>"))
    seems_special = seems_special or (token.startswith("<unused") and token.endswith(">"))
    return seems_special


def write_gpt2(writer, folder, pre, vocab_size):
    """convert_hf_to_gguf.py's _set_vocab_gpt2 / get_vocab_base, with a given pre name."""
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(folder)
    vocab_size = vocab_size or len(tokenizer.vocab)
    assert max(tokenizer.vocab.values()) < vocab_size
    reverse_vocab = {id_: tok for tok, id_ in tokenizer.vocab.items()}
    added_vocab = tokenizer.get_added_vocab()
    added_tokens_decoder = tokenizer.added_tokens_decoder
    tokens, toktypes = [], []
    for i in range(vocab_size):
        if i not in reverse_vocab:
            tokens.append(f"[PAD{i}]")
            toktypes.append(gguf.TokenType.UNUSED)
            continue
        token = reverse_vocab[i]
        if token in added_vocab:
            if not added_tokens_decoder[i].normalized:
                token = tokenizer.decode(tokenizer.encode(token, add_special_tokens=False))
            if added_tokens_decoder[i].special or does_token_look_special(token):
                toktypes.append(gguf.TokenType.CONTROL)
            else:
                token = token.replace("\u2581", " ")
                toktypes.append(gguf.TokenType.USER_DEFINED)
        else:
            toktypes.append(gguf.TokenType.NORMAL)
        tokens.append(token)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(toktypes)
    gguf.SpecialVocab(folder, load_merges=True).add_to_gguf(writer, quiet=True)


def write_llama_hf(writer, folder, vocab_size):
    """convert_hf_to_gguf.py's _set_vocab_llama_hf, padded as _set_vocab_sentencepiece pads."""
    from pathlib import Path
    vocab = gguf.LlamaHfVocab(Path(folder))
    tokens, scores, toktypes = [], [], []
    for text, score, toktype in vocab.all_tokens():
        tokens.append(text)
        scores.append(score)
        toktypes.append(toktype)
    if vocab_size and vocab_size > len(tokens):
        for i in range(1, vocab_size - len(tokens) + 1):
            tokens.append(f"[PAD{i}]".encode())
            scores.append(-1000.0)
            toktypes.append(gguf.TokenType.UNUSED)
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(toktypes)
    gguf.SpecialVocab(folder, n_vocab=len(tokens)).add_to_gguf(writer, quiet=True)


def metadata_json(path):
    """Every tokenizer.* key of a GGUF file as GGUFReader sees it: key, GGUF type name, value."""
    reader = gguf.GGUFReader(path)
    out = []
    for field in reader.fields.values():
        if not field.name.startswith("tokenizer."):
            continue
        types = [t.name for t in field.types]
        value = field.contents()
        if isinstance(value, list):
            value = [float(v) if isinstance(v, float) else v for v in value]
        out.append({"key": field.name, "type": "/".join(types), "value": value})
    return out


def llama_cpp_ids(path, cases):
    """llama.cpp's tokenization of every case, or None when llama-cpp-python is missing."""
    try:
        import llama_cpp
    except ImportError:
        return None
    model = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
    out = []
    for case in cases:
        text = case["text"].encode("utf-8")
        out.append({
            "ids": model.tokenize(text, add_bos=True, special=True),
            "ids_no_special": model.tokenize(text, add_bos=False, special=True),
        })
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, spec in FIXTURES.items():
        source = os.path.join(SOURCE, name)
        target = os.path.join(OUT, name)
        os.makedirs(target, exist_ok=True)
        config = spec["config"]
        with open(os.path.join(target, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1, ensure_ascii=False)
            f.write("\n")
        with tempfile.TemporaryDirectory() as scratch:
            shutil.copy(os.path.join(source, "tokenizer.json"), scratch)
            shutil.copy(os.path.join(target, "tokenizer_config.json"), scratch)
            path = os.path.join(target, "vocab.gguf")
            writer = gguf.GGUFWriter(path, "llama")
            writer.add_name(f"skein-tokenizer-{name}")
            if spec["pre"] is None:
                write_llama_hf(writer, scratch, spec["vocab_size"])
            else:
                write_gpt2(writer, scratch, spec["pre"], spec["vocab_size"])
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file()
            writer.close()
        with open(os.path.join(target, "metadata.json"), "w", encoding="utf-8") as f:
            json.dump(metadata_json(path), f, ensure_ascii=False)
            f.write("\n")
        with open(os.path.join(source, "cases.json"), encoding="utf-8") as f:
            cases = json.load(f)
        ids = llama_cpp_ids(path, cases)
        if ids is None:
            print(f"{name}: llama-cpp-python is not installed; llama.cpp agreement not checked")
            continue
        with open(os.path.join(target, "llama_cpp.json"), "w", encoding="utf-8") as f:
            json.dump(ids, f)
            f.write("\n")
        same = sum(a["ids"] == c["ids"] for a, c in zip(ids, cases))
        same_plain = sum(a["ids_no_special"] == c["ids_no_special"] for a, c in zip(ids, cases))
        print(f"{name}: llama.cpp agrees with HF on {same}/{len(cases)} cases with special tokens, "
              f"{same_plain}/{len(cases)} without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
