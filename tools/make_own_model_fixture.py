#!/usr/bin/env python3
"""Makes Tests/Fixtures/own-model/qwen2-chat: a tiny random Qwen2 chat model that is not the demo.

The README's "Your own model" commands are run against it by a test (ReadmeOwnModelTests), served
under a Hub name by a loopback Hub server. It is what a user's own checkpoint looks like to Skein:
config.json, model.safetensors (bf16), a byte-level BPE tokenizer.json trained here on the bundled
public-domain text, tokenizer_config.json with Qwen2.5's published chat template, and
generation_config.json. The weights are random: the commands run, the answers are noise.

    python3 tools/make_own_model_fixture.py        # transformers 5.x, tokenizers, torch (CPU)

Deterministic (fixed seeds); a few seconds; about 0.3 MB.
"""
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import Qwen2Config, Qwen2ForCausalLM

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/Fixtures/own-model/qwen2-chat"
TEXT = ROOT / "Sources/SkeinEval/Resources/texts/english.txt"
TEMPLATE = ROOT / "Tests/Fixtures/chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja"
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB = 768


def tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    text = TEXT.read_text(encoding="utf-8")
    tok.train_from_iterator([text[i:i + 2000] for i in range(0, min(len(text), 400_000), 2000)], trainer)
    return tok


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tok = tokenizer()
    tok.save(str(OUT / "tokenizer.json"))
    ids = {s: tok.token_to_id(s) for s in SPECIALS}
    (OUT / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "Qwen2Tokenizer",
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "chat_template": TEMPLATE.read_text(encoding="utf-8"),
    }, indent=2) + "\n")
    torch.manual_seed(24)
    config = Qwen2Config(vocab_size=tok.get_vocab_size(), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, rope_theta=10000.0,
                         tie_word_embeddings=True, bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|im_end|>"],
                         pad_token_id=ids["<|endoftext|>"], dtype="bfloat16")
    model = Qwen2ForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(OUT, safe_serialization=True)
    print(f"wrote {OUT} (vocab {tok.get_vocab_size()}, specials {ids})")


if __name__ == "__main__":
    main()
