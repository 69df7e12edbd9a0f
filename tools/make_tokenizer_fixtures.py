#!/usr/bin/env python3
"""Train small tokenizer.json files with HF `tokenizers` and record reference
encodings/decodings for Skein's Swift tokenizer parity tests.

Everything is generated offline and deterministically (fixed seeds): a
synthetic multilingual training corpus (English, code, CJK, Arabic, Hindi,
emoji ZWJ sequences, combining marks, whitespace/control runs, numbers, URLs)
is built in-script, a set of BPE tokenizers is trained on it, each covering a
different combination of normalizer / pre-tokenizer / model options /
post-processor / decoder / added-token flags, and each tokenizer is run over a
shared list of tricky texts.

Output, per tokenizer, in Tests/Fixtures/tokenizers/<name>/:
  tokenizer.json     the trained tokenizer (HF serialization)
  cases.json         [{"text", "ids", "ids_no_special", "decoded", "decoded_skip"}]
                     ids = encode(text, add_special_tokens=True),
                     ids_no_special = encode(text, add_special_tokens=False),
                     decoded(_skip) = decode(ids, skip_special_tokens=False/True)
  decode_cases.json  [{"ids", "decoded"}]  decode of arbitrary/cut id sequences
                     (pins U+FFFD handling of invalid UTF-8)

Needs only the standard library and `tokenizers` (0.23.x). Run from the repo root:

    python3 tools/make_tokenizer_fixtures.py
"""
import json
import pathlib
import random
import sys
import time
import zlib

import tokenizers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Fixtures" / "tokenizers"
SEED = 20261123

LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]

# ---------------------------------------------------------------------------
# 1. Synthetic training corpus
# ---------------------------------------------------------------------------

ENGLISH_WORDS = """
the of and to in is was that for it with as on be at by this had not are but from
or have an they which one you were her all she there would their we him been has
when who will more no if out so said what up its about into than them can only
other new some could time these two may then do first any my now such like our
over man me even most made after also did many before must through back years
where much your way well down should because each just those people how too little
state good very make world still own see men work long get here between both life
being under never day same another know while last might us great old year off
come since against go came right used take three model token context window cache
attention layer kernel memory tensor stream decode encode prompt engine metal swift
python buffer vector matrix quantized weights inference latency throughput batch
""".split()
CONTRACTIONS = ["don't", "I'LL", "we've", "it's", "they're", "I'm", "she'd", "can't",
                "won't", "You'RE", "WE'D", "isn't", "y'all", "o'clock", "rock'n'roll"]

PYTHON_SNIPPETS = [
    "def {f}({a}, {b}=None):\n    \"\"\"{doc}\"\"\"\n    if {b} is None:\n        {b} = []\n    return [{a} * i for i in range({n})]\n",
    "class {C}:\n    def __init__(self, {a}):\n        self.{a} = {a}\n\n    def __repr__(self):\n        return f\"{C}({{self.{a}!r}})\"\n",
    "import numpy as np\n\n{a} = np.zeros(({n}, {n}), dtype=np.float32)\nfor i, row in enumerate({a}):\n\trow[i] = {x}\nprint({a}.sum())  # {doc}\n",
    "try:\n    with open('{f}.txt', 'rb') as fh:\n        data = fh.read()\nexcept OSError as e:\n    raise RuntimeError(\"{doc}\") from e\n",
]
SWIFT_SNIPPETS = [
    "func {f}(_ {a}: [Int], {b}: Int = {n}) -> Int {{\n    return {a}.reduce(0, +) &* {b}\n}}\n",
    "struct {C}: Codable, Sendable {{\n    let {a}: String\n    var {b}: Double = {x}\n}}\n",
    "let {a} = try await {f}(url: URL(string: \"https://example.com/{f}\")!)\nguard let {b} = {a}.first else {{ fatalError(\"{doc}\") }}\n",
    "@MainActor final class {C}ViewModel: ObservableObject {{\n\t@Published private(set) var {a}: [{C}] = []\n\tdeinit {{ print(\"bye\") }}\n}}\n",
]
CHINESE = ["我们今天去北京大学参观。", "长上下文推理引擎需要高效的缓存。", "这是一个测试句子，包含标点符号！",
           "人工智能正在改变世界。", "请把文件发给我，谢谢。", "天气很好，我们去公园散步吧？"]
JAPANESE = ["こんにちは、世界！", "カタカナとひらがなを混ぜた文章です。", "東京タワーに行きました。",
            "ラーメンが大好きです。", "これはテストですか？はい、そうです。"]
KOREAN = ["안녕하세요 세계.", "한국어 텍스트입니다.", "오늘은 날씨가 좋네요!", "긴 문맥 추론 엔진을 만들고 있어요."]
ARABIC = ["مرحبا بالعالم، هذا نص عربي.", "اللغة العربية جميلة جدا.", "كيف حالك اليوم؟"]
HINDI = ["नमस्ते दुनिया, यह हिंदी पाठ है।", "मुझे चाय पसंद है।", "क्या आप मेरी मदद कर सकते हैं?"]
OTHER_SCRIPTS = ["Привет, мир! Это русский текст.", "Γειά σου Κόσμε, ΟΔΥΣΣΕΥΣ.", "Tiếng Việt có dấu rất đẹp.",
                 "Ça va? Où est la bibliothèque? Größe, Straße, naïve façade.", "שלום עולם", "สวัสดีชาวโลก"]
EMOJI = ["👩🏽‍💻", "👨‍👩‍👧‍👦", "🇫🇷", "🇯🇵", "🏳️‍🌈", "❤️", "👍🏿", "😀", "🚀", "🔥", "🤖", "✨", "🧑🏻‍🔬", "☕"]
COMBINING = ["e\u0301", "n\u0303", "a\u0308", "o\u0302\u0301", "Tie\u0302\u0301ng Vie\u0323\u0302t",
             "Cafe\u0301", "man\u0303ana", "A\u030a"]
PUNCT_RUNS = ["!!!", "???", "...", "----", "====", "***", "~~~", "->", "=>", "::", ";;", "!?", "«»", "—", "…", "(!)"]
URLS = ["https://example.com/path?q=1&r=two#frag", "http://localhost:8080/v1/chat/completions",
        "https://github.com/huggingface/tokenizers", "mailto:someone@example.org", "ftp://files.example.net/a/b.tar.gz"]
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"]
WHITESPACE = ["\n\n\n", "   \t  ", "\t", "\n", "\r\n", "    ", "        ", " \n ", "\n\n"]


def ident(rng):
    return rng.choice(ENGLISH_WORDS) + rng.choice(["", "_" + rng.choice(ENGLISH_WORDS), str(rng.randint(0, 9))])


def number(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return str(rng.randint(0, 10 ** rng.randint(1, 9)))
    if kind == 1:
        return f"{rng.uniform(0, 1000):.{rng.randint(1, 5)}f}"
    if kind == 2:
        return f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == 3:
        return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    if kind == 4:
        return f"${rng.randint(1, 999)},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}"
    return rng.choice(["3.14159", "1234567", "2026-11-23", "0xFF", "1e-9", "100%", "v1.2.3"])


def english_sentence(rng):
    words = []
    for _ in range(rng.randint(4, 16)):
        r = rng.random()
        if r < 0.08:
            words.append(rng.choice(CONTRACTIONS))
        elif r < 0.14:
            words.append(number(rng))
        else:
            words.append(rng.choice(ENGLISH_WORDS))
    words[0] = words[0].capitalize()
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
    return " ".join(words) + rng.choice([".", ".", ".", "!", "?", ";", ":", "..."])


def code_snippet(rng):
    template = rng.choice(PYTHON_SNIPPETS + SWIFT_SNIPPETS)
    return template.format(f=ident(rng), a=ident(rng), b=ident(rng), C=rng.choice(ENGLISH_WORDS).capitalize(),
                           n=rng.randint(1, 512), x=number(rng), doc=english_sentence(rng))


def multilingual(rng):
    pool = rng.choice([CHINESE, JAPANESE, KOREAN, ARABIC, HINDI, OTHER_SCRIPTS])
    return "".join(rng.choice(pool) for _ in range(rng.randint(1, 4)))


def noisy(rng):
    parts = []
    for _ in range(rng.randint(3, 10)):
        r = rng.random()
        if r < 0.25:
            parts.append(rng.choice(EMOJI) * rng.randint(1, 3))
        elif r < 0.4:
            parts.append(rng.choice(COMBINING))
        elif r < 0.55:
            parts.append(rng.choice(PUNCT_RUNS))
        elif r < 0.65:
            parts.append(rng.choice(URLS))
        elif r < 0.8:
            parts.append(rng.choice(WHITESPACE))
        elif r < 0.83:
            parts.append(rng.choice(CONTROL))
        else:
            parts.append(number(rng))
        parts.append(rng.choice([" ", "", " ", "\n"]))
    return "".join(parts)


def paragraph(rng):
    r = rng.random()
    if r < 0.40:
        return " ".join(english_sentence(rng) for _ in range(rng.randint(1, 5)))
    if r < 0.60:
        return code_snippet(rng)
    if r < 0.80:
        return multilingual(rng)
    if r < 0.90:
        return english_sentence(rng) + " " + noisy(rng) + " " + multilingual(rng)
    return noisy(rng)


def build_corpus(target_chars=220_000):
    """Return (training paragraphs, held-out text)."""
    rng = random.Random(SEED)
    paragraphs, size = [], 0
    while size < target_chars:
        p = paragraph(rng) + rng.choice(["\n", "\n\n", "\n\n\n", " "])
        paragraphs.append(p)
        size += len(p)
    cut = int(len(paragraphs) * 0.9)
    return paragraphs[:cut], "".join(paragraphs[cut:])


# ---------------------------------------------------------------------------
# 2. Tokenizers
# ---------------------------------------------------------------------------

def train(tok, corpus, vocab_size, special_tokens, **trainer_options):
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special_tokens,
                                  show_progress=False, **trainer_options)
    tok.train_from_iterator(corpus, trainer=trainer)
    return tok


def reload(tok, edit=None):
    """Round-trip through JSON (optionally editing it) so options are exactly what gets saved."""
    data = json.loads(tok.to_str())
    if edit:
        edit(data)
    return Tokenizer.from_str(json.dumps(data, ensure_ascii=False))


def inject_vocab(tokens):
    """JSON edit: add vocab entries with no merge producing them (exercises ignore_merges)."""
    def edit(data):
        vocab = data["model"]["vocab"]
        next_id = max(max(vocab.values()), max(t["id"] for t in data["added_tokens"])) + 1
        for token in tokens:
            if token not in vocab:
                vocab[token] = next_id
                next_id += 1
    return edit


def sort_suffixed_chars(suffix):
    """JSON edit: the trainer numbers the single-char "x</w>" tokens in hash order; make it stable."""
    def edit(data):
        vocab = data["model"]["vocab"]
        block = sorted(t for t in vocab if t.endswith(suffix) and len(t) == len(suffix) + 1)
        for token, i in zip(block, sorted(vocab[t] for t in block)):
            vocab[token] = i
        data["model"]["vocab"] = dict(sorted(vocab.items(), key=lambda item: item[1]))
    return edit


def byte_level_bpe(corpus, pre_tokenizer, vocab_size, special_tokens, normalizer=None, **model_options):
    tok = Tokenizer(models.BPE(**model_options))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    train(tok, corpus, vocab_size, special_tokens, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.decoder = decoders.ByteLevel()
    return tok


def make_gpt2(corpus):
    tok = byte_level_bpe(corpus, pre_tokenizers.ByteLevel(add_prefix_space=False), 1200, ["<|endoftext|>"])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([
        AddedToken("<mask>", lstrip=True, rstrip=False, single_word=False, normalized=False, special=True),
        AddedToken("<eot>", lstrip=False, rstrip=True, single_word=False, normalized=False, special=True),
    ])
    tok.add_tokens([
        AddedToken("[BOLD]", single_word=True, lstrip=False, rstrip=False, normalized=False, special=False),
        AddedToken("    ", normalized=False, special=False),  # 4-space indent token (decoded raw, not byte-mapped)
    ])
    return reload(tok)


def make_llama3_like(corpus, pattern, special_tokens, normalizer, ignore_merges):
    """Regex Split (isolated) + ByteLevel without its own regex, as in Llama 3 / Qwen2."""
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok = byte_level_bpe(corpus, pre, 1200, special_tokens, normalizer=normalizer, ignore_merges=ignore_merges)
    # "ĠSkein" / "ĠSkeinEngine" have no merges: found only via ignore_merges (llama3), never via merges (qwen2).
    return reload(tok, inject_vocab(["ĠSkein", "ĠSkeinEngine"]))


def make_llama3(corpus):
    tok = make_llama3_like(corpus, LLAMA3_PATTERN, ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
                           normalizer=None, ignore_merges=True)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True),
        processors.TemplateProcessing(single="<|begin_of_text|> $A",
                                      pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
                                      special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    return reload(tok)


def make_qwen2(corpus):
    tok = make_llama3_like(corpus, QWEN2_PATTERN, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                           normalizer=normalizers.NFC(), ignore_merges=False)
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.add_tokens([AddedToken("<tool_call>", normalized=False, special=False),
                    AddedToken("</tool_call>", normalized=False, special=False)])
    return reload(tok)


def insert_byte_tokens(data):
    """JSON edit: put <0x00>..<0xFF> into the model vocab right after the 3 specials (Llama-2 layout)."""
    vocab = data["model"]["vocab"]
    n_special = len(data["added_tokens"])
    assert all(vocab[t["content"]] == t["id"] < n_special for t in data["added_tokens"])
    rest = sorted((i, t) for t, i in vocab.items() if i >= n_special and t not in BYTE_TOKENS)
    new_vocab = {t["content"]: t["id"] for t in data["added_tokens"]}
    for b, token in enumerate(BYTE_TOKENS):
        new_vocab[token] = n_special + b
    for k, (_, token) in enumerate(rest):
        new_vocab[token] = n_special + 256 + k
    data["model"]["vocab"] = new_vocab


def make_sentencepiece(corpus, legacy=False):
    specials = ["<unk>", "<s>", "</s>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    # Train on ▁-split words (realistic pieces), then switch to split=False like Llama-2/Mistral.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    train(tok, corpus, 900, specials, limit_alphabet=150)
    if legacy:  # the older Llama-2 tokenizer.json layout: normalizer does the work, no pre-tokenizer
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.pre_tokenizer = None
    else:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1, right=0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", 1)])
    return reload(tok, insert_byte_tokens)


def make_metaspace_always(corpus):
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    train(tok, corpus, 800, ["<unk>", "<s>", "</s>"], limit_alphabet=120)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                                       special_tokens=[("<s>", 1), ("</s>", 2)])
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=True, normalized=False, special=True)])
    return reload(tok)


def make_normalizers(corpus):
    normalizer = normalizers.Sequence([
        normalizers.NFKC(),
        normalizers.Replace("``", '"'),
        normalizers.Replace("''", '"'),
        normalizers.Replace(Regex(r"\d{6,}"), "<num>"),
        normalizers.Lowercase(),
        normalizers.Strip(left=True, right=True),
        normalizers.Prepend("▁"),
    ])
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Split(" ", behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=True),
    ])
    tok = byte_level_bpe(corpus, pre, 700, ["<|endoftext|>"], normalizer=normalizer)
    tok.add_special_tokens([
        AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True),
        AddedToken("</s>", lstrip=False, rstrip=True, normalized=False, special=True),
    ])
    tok.add_tokens([
        AddedToken("[BOLD]", single_word=True, normalized=False, special=False),  # matched on raw text
        AddedToken("[ITAL]", normalized=True, special=False),  # matched on normalized text as "▁[ital]"
        AddedToken("  ", normalized=False, special=False),  # raw double space
    ])
    return reload(tok)


def make_variant(corpus, pre, normalizer=None):
    """Small ByteLevel BPE exercising one pre-tokenizer configuration."""
    return reload(byte_level_bpe(corpus, pre, 400, ["<|endoftext|>"], normalizer=normalizer))


def byte_level_raw():
    return pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)


def make_whitespace(corpus):
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    train(tok, corpus, 500, ["<unk>", "<|endoftext|>"], limit_alphabet=100)
    # No decoder on purpose: HF then joins tokens with " ".
    tok.add_tokens([AddedToken("[ITAL]", normalized=True, special=False),  # normalized form "[ital]"
                    AddedToken("Café", normalized=True, special=False)])  # normalized form "cafe"
    return reload(tok)


def make_whitespace_split(corpus):
    tok = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    train(tok, corpus, 500, ["<unk>", "<|endoftext|>"], limit_alphabet=100, end_of_word_suffix="</w>")
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    return reload(tok, sort_suffixed_chars("</w>"))


def build_tokenizers(corpus):
    split = pre_tokenizers.Split
    return {
        "gpt2": make_gpt2(corpus),
        "llama3": make_llama3(corpus),
        "qwen2": make_qwen2(corpus),
        "sentencepiece": make_sentencepiece(corpus),
        "sentencepiece-legacy": make_sentencepiece(corpus, legacy=True),
        "metaspace-always": make_metaspace_always(corpus),
        "normalizers": make_normalizers(corpus),
        "split-removed": make_variant(corpus, pre_tokenizers.Sequence([
            split(" ", behavior="removed"), byte_level_raw()])),
        "split-merged-prev": make_variant(corpus, pre_tokenizers.Sequence([
            split(" ", behavior="merged_with_previous"), byte_level_raw()])),
        "split-merged-next": make_variant(corpus, pre_tokenizers.Sequence([
            split(Regex(r"\s"), behavior="merged_with_next"), byte_level_raw()])),
        "split-contiguous": make_variant(corpus, pre_tokenizers.Sequence([
            split(Regex(r"[\s\p{P}]"), behavior="contiguous"), byte_level_raw()])),
        "split-invert": make_variant(corpus, pre_tokenizers.Sequence([
            split(Regex(r"\p{L}+|\p{N}+"), behavior="merged_with_previous", invert=True), byte_level_raw()])),
        "digits-grouped": make_variant(corpus, pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=False), pre_tokenizers.ByteLevel(add_prefix_space=False)]),
            normalizer=normalizers.NFKD()),
        "whitespace": make_whitespace(corpus),
        "whitespace-split": make_whitespace_split(corpus),
    }


# ---------------------------------------------------------------------------
# 3. Test texts and cases
# ---------------------------------------------------------------------------

FIXED_TEXTS = [
    "",
    " ",
    "\n",
    "\n\n\n",
    "   ",
    " \n \n ",
    "   leading and trailing   ",
    "Hello, world! This is Skein.",
    "Skein SkeinEngine skein SKEIN  Skein",
    "I'LL be there; don't worry, we've got it. She'S here, they'd've gone. Don’t DON'T",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "struct Point: Codable {\n\tlet x: Double\n\tvar y = 3.14159 // \"quoted\"\n}\n",
    "1234567 3.14159 2026-11-23 0x1F 1e-9 12,345.67 ١٢٣ ４２ 007",
    "我们今天去北京大学参观。长上下文推理引擎。",
    "こんにちは、世界！カタカナとひらがな。東京タワー",
    "안녕하세요 세계. 한국어 텍스트입니다.",
    "Hangul jamo: \u1100\u1161\u11a8 \u1112\u1161\u11ab vs 각 한",
    "مرحبا بالعالم، هذا نص عربي.",
    "नमस्ते दुनिया, यह हिंदी पाठ है।",
    "Привет, мир! Γειά σου Κόσμε. ΟΔΥΣΣΕΥΣ ΣΊΣΥΦΟΣ",
    "👩🏽‍💻 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️ 👍🏿 🏳️‍🌈🤖",
    "e\u0301 n\u0303 Cafe\u0301 vs Café; Tie\u0302\u0301ng Vie\u0323\u0302t; A\u030a",
    "Tiếng Việt có dấu rất đẹp",
    "\u0301leading combining mark and lone ZWJ \u200d and VS16 \ufe0f",
    "İstanbul ǅ ﬁ ẞ Ⅸ ㎒ ½ ™ ℌ",
    "Ａｌｌ ｆｕｌｌｗｉｄｔｈ ＡＳＣＩＩ！",
    "ctrl:a\x00b\x01c\x1fd\x7fe\x1b[0m\x0b\x0c",
    "\x00",
    "\t\ttabs\tand\tspaces  \t  mixed\t",
    "line1\r\nline2\r\n\r\nline3\rline4",
    "\ufeffBOM then\u2028line sep\u2029para\u00a0nbsp\u200bzwsp\u3000ideographic",
    "Visit https://example.com/path?q=1&r=two#frag or http://[::1]:8080/ now.",
    "!!!??? ...... ---- ==== **bold** __init__ @@ -1,4 +1,5 @@ ->> <=> ~~~ «»—…",
    "a" * 3000,
    "supercalifragilisticexpialidocious" * 8,
    "newline runs\n\n\n\n\n\n\nend",
    "    four space indent\n        eight\n",
    "trailing spaces   ",
    "hello<|endoftext|>world",
    "<|endoftext|><|endoftext|> <|endoftext|> ",
    "<s>hello</s> <s> spaced </s>   after",
    "<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n",
    "<|begin_of_text|>Already has BOS",
    "a <mask> b",
    "a<mask>b   <mask>   c <mask>",
    "x[BOLD]y",
    "x [BOLD] y [BOLD]",
    "end<eot>   next <eot>\n\nline",
    "[ITAL]text [ital] [Ital] more",
    "call <tool_call>{\"name\": \"f\"}</tool_call> done",
    "<0x41><0xE4> literal byte escapes <unk>",
    "rare chars: 龘 𓀀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ 🦩 \U0010fffd",
    "``quoted'' and 12345678901234 and 12345",
    "Mixed 中文English混合123テスト",
]


def held_out_slices(text, count=10):
    rng = random.Random(SEED + 1)
    slices = []
    for _ in range(count):
        length = rng.randint(20, 300)
        start = rng.randrange(0, len(text) - length)
        slices.append(text[start:start + length])
    return slices


def encode_cases(tok, texts):
    cases = []
    for text in texts:
        ids = tok.encode(text, add_special_tokens=True).ids
        cases.append({
            "text": text,
            "ids": ids,
            "ids_no_special": tok.encode(text, add_special_tokens=False).ids,
            "decoded": tok.decode(ids, skip_special_tokens=False),
            "decoded_skip": tok.decode(ids, skip_special_tokens=True),
        })
    return cases


def byte_token_ids(tok, byte_values):
    """Ids of tokens standing for single raw bytes: <0xNN> (byte fallback) or the ByteLevel char."""
    byte_level = (json.loads(tok.to_str())["decoder"] or {}).get("type") == "ByteLevel"
    table = bytes_to_unicode()
    ids = []
    for b in byte_values:
        ids.append(tok.token_to_id(table[b] if byte_level else f"<0x{b:02X}>"))
    return ids if all(i is not None for i in ids) else None


def bytes_to_unicode():
    """GPT-2's byte -> printable char table (same as the ByteLevel pre-tokenizer's)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def decode_id_sequences(tok, name):
    rng = random.Random(SEED + zlib.crc32(name.encode()))
    size = tok.get_vocab_size(with_added_tokens=True)
    special = [t for t in (tok.token_to_id(s) for s in ("<s>", "<|endoftext|>", "<|begin_of_text|>", "<unk>"))
               if t is not None]
    sequences = [[]]
    sequences += [[rng.randrange(size) for _ in range(rng.randint(1, 24))] for _ in range(7)]
    sample = tok.encode("你好世界 👩🏽‍💻 café ┃ 龘", add_special_tokens=False).ids
    sequences += [sample[:k] for k in sorted({1, 2, 3, len(sample) // 2, len(sample) - 1}) if 0 < k < len(sample)]
    sequences.append(sample[1:])
    sequences.append(list(reversed(sample)))
    # "你" is E4 BD A0: whole, cut, interrupted by a special token, and invalid runs.
    for byte_run in ([0xE4], [0xE4, 0xBD], [0xE4, 0xBD, 0xA0], [0x41, 0xE4, 0x42], [0xFF, 0x41], [0xC3, 0xA9]):
        ids = byte_token_ids(tok, byte_run)
        if ids:
            sequences.append(ids)
    ids = byte_token_ids(tok, [0xE4, 0xBD, 0xA0])
    if ids and special:
        sequences.append(ids[:1] + special[:1] + ids[1:])
    return sequences


def decode_cases(tok, name):
    return [{"ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False)}
            for ids in decode_id_sequences(tok, name)]


# ---------------------------------------------------------------------------
# 4. Output and verification
# ---------------------------------------------------------------------------

def dump(path, obj):
    path.write_text(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def verify(folder):
    """Reload the saved files and check the tokenizer reproduces them."""
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    for case in json.loads((folder / "cases.json").read_text(encoding="utf-8")):
        assert tok.encode(case["text"]).ids == case["ids"], (folder.name, case["text"][:40])
        assert tok.encode(case["text"], add_special_tokens=False).ids == case["ids_no_special"]
        assert tok.decode(case["ids"], skip_special_tokens=False) == case["decoded"]
        assert tok.decode(case["ids"], skip_special_tokens=True) == case["decoded_skip"]
    for case in json.loads((folder / "decode_cases.json").read_text(encoding="utf-8")):
        assert tok.decode(case["ids"], skip_special_tokens=False) == case["decoded"]


def main():
    start = time.time()
    if not tokenizers.__version__.startswith("0.23."):
        print(f"warning: fixtures were made with tokenizers 0.23.x, found {tokenizers.__version__}", file=sys.stderr)
    corpus, held_out = build_corpus()
    texts = FIXED_TEXTS + held_out_slices(held_out)
    for name, tok in build_tokenizers(corpus).items():
        folder = OUT / name
        folder.mkdir(parents=True, exist_ok=True)
        tok.save(str(folder / "tokenizer.json"), pretty=False)
        dump(folder / "cases.json", encode_cases(tok, texts))
        dump(folder / "decode_cases.json", decode_cases(tok, name))
        verify(folder)
        print(f"{name:22s} vocab={tok.get_vocab_size(with_added_tokens=True):5d}")
    print(f"{len(texts)} texts, done in {time.time() - start:.1f}s (tokenizers {tokenizers.__version__})")


if __name__ == "__main__":
    main()
