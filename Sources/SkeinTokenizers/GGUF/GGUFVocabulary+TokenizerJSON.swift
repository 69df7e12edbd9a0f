import Foundation

extension GGUFVocabulary {
    /// Scores for a SentencePiece-style ("llama") vocabulary converted from tokenizer.json.
    public enum SentencePieceScores: Sendable {
        /// -1000 for every token, as convert_hf_to_gguf.py's `_set_vocab_llama_hf` writes. llama.cpp
        /// then merges the leftmost pair that forms a token, which often differs from HF.
        case convertHF
        /// Minus the rank of the first merge that makes the token (-1e9 for tokens no merge
        /// makes), so llama.cpp's merge-by-score follows tokenizer.json's merge order.
        case mergeRanks
    }

    /// The GGUF vocabulary convert_hf_to_gguf.py writes for a Hugging Face tokenizer.
    ///
    /// - Byte-fallback BPE with a `Sequence` decoder (Llama-2/Mistral style) -> model "llama",
    ///   pre "default", as `_set_vocab_llama_hf`: score -1000 for every token, `<0xHH>` tokens
    ///   BYTE, special tokens of the config CONTROL, added tokens past the model vocabulary
    ///   USER_DEFINED; padded with "[PAD1]".. (UNUSED) up to `vocabularySize`.
    /// - Byte-level BPE -> model "gpt2", as `_set_vocab_gpt2`: ids without a token become
    ///   "[PAD<id>]" (UNUSED) up to `vocabularySize`; added tokens CONTROL when special or
    ///   looking special (`<|...|>`, ...), else USER_DEFINED; merges from tokenizer.json. The
    ///   `pre` name comes from the split regex (GPT-2 -> "gpt-2", Digits(individual) + GPT-2
    ///   ByteLevel -> "smollm", Llama-3 -> "llama-bpe", Qwen2 -> "qwen2"), where
    ///   convert_hf_to_gguf.py hashes a probe tokenization of known models.
    /// Special ids, add_bos/add_eos/add_sep and chat templates follow gguf-py's `SpecialVocab`.
    ///
    /// - Parameters:
    ///   - tokenizerJSON: tokenizer.json.
    ///   - tokenizerConfig: tokenizer_config.json, if the model has one.
    ///   - modelConfig: config.json (for `*_token_id`), if given.
    ///   - alternateChatTemplate: chat_template.jinja text (or chat_template.json's value) for a
    ///     config without `chat_template`.
    ///   - vocabularySize: the model's vocab_size (embedding rows); nil keeps the tokenizer's size.
    ///   - sentencePieceScores: how a "llama" vocabulary is scored (ignored for "gpt2").
    /// - Throws: `TokenizerError.notRepresentableInGGUF` for tokenizers GGUF cannot carry (not
    ///   BPE, unknown split regex, ids past `vocabularySize`), other `TokenizerError`s for bad files.
    public init(tokenizerJSON: Data, tokenizerConfig: Data? = nil, modelConfig: Data? = nil,
                alternateChatTemplate: String? = nil, vocabularySize: Int? = nil,
                sentencePieceScores: SentencePieceScores = .convertHF, file: String = "tokenizer.json") throws {
        let root = try JSONReader(file: file, data: tokenizerJSON)
        let config = try tokenizerConfig.map { try JSONReader(file: "tokenizer_config.json", data: $0).object }
        let modelConfigObject = try modelConfig.map { try JSONReader(file: "config.json", data: $0).object }
        let tokenizer = try Tokenizer(json: tokenizerJSON, file: file)
        let model = try root.child("model")
        let type = try model.optionalString("type") ?? "BPE"
        guard type == "BPE" else {
            throw TokenizerError.notRepresentableInGGUF(file: file, reason: "model type \(type); Skein converts BPE tokenizers only")
        }
        let byteFallback = try model.bool("byte_fallback", default: false)
        let decoderType = root.isNull("decoder") ? nil : try root.child("decoder").string("type")
        if byteFallback && decoderType == "Sequence" {
            self = try Self.sentencePiece(tokenizer: tokenizer, root: root, config: config, modelConfig: modelConfigObject,
                                          alternateChatTemplate: alternateChatTemplate, vocabularySize: vocabularySize,
                                          scoring: sentencePieceScores, file: file)
        } else if !byteFallback && decoderType == "ByteLevel" {
            self = try Self.bytePair(tokenizer: tokenizer, root: root, config: config, modelConfig: modelConfigObject,
                                     alternateChatTemplate: alternateChatTemplate, vocabularySize: vocabularySize, file: file)
        } else {
            throw TokenizerError.notRepresentableInGGUF(
                file: file, reason: "BPE with byte_fallback=\(byteFallback) and decoder \(decoderType ?? "none"); GGUF has byte-level BPE (ByteLevel decoder) and SentencePiece-style BPE (byte fallback, Sequence decoder)")
        }
    }

    /// Reads tokenizer.json, tokenizer_config.json, config.json and chat_template.jinja (or
    /// chat_template.json) from a model folder; missing optional files are skipped.
    public init(folder: URL, vocabularySize: Int? = nil, sentencePieceScores: SentencePieceScores = .convertHF) throws {
        func read(_ name: String) throws -> Data? {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            do { return try Data(contentsOf: url) } catch {
                throw TokenizerError.unreadable(file: url.path, reason: error.localizedDescription)
            }
        }
        let file = folder.appendingPathComponent("tokenizer.json").path
        guard let json = try read("tokenizer.json") else {
            throw TokenizerError.unreadable(file: file, reason: "no such file (the model folder needs a tokenizer.json)")
        }
        var template: String?
        if let jinja = try read("chat_template.jinja") {
            template = String(decoding: jinja, as: UTF8.self)
        } else if let data = try read("chat_template.json") {
            template = try JSONReader(file: "chat_template.json", data: data).optionalString("chat_template")
        }
        try self.init(tokenizerJSON: json, tokenizerConfig: try read("tokenizer_config.json"), modelConfig: try read("config.json"),
                      alternateChatTemplate: template, vocabularySize: vocabularySize,
                      sentencePieceScores: sentencePieceScores, file: file)
    }

    /// HF's `get_vocab()`: model vocabulary, then added tokens (which win for a shared id).
    private static func idToToken(_ tokenizer: Tokenizer) -> [Int: String] {
        var byId = [Int: String]()
        for (id, token) in tokenizer.model.tokens.enumerated() where tokenizer.model.id(of: token) == id { byId[id] = token }
        for token in tokenizer.added.tokens { byId[token.id] = token.content }
        return byId
    }

    private static func specials(_ tokenizer: Tokenizer, root: JSONReader, config: [String: Any]?, modelConfig: [String: Any]?,
                                 alternateChatTemplate: String?, vocabularySize: Int?, file: String) throws -> GGUFSpecialTokens {
        try GGUFSpecialTokens(tokenizer: root.object, config: config, modelConfig: modelConfig,
                              alternateChatTemplate: alternateChatTemplate, vocabularySize: vocabularySize, file: file)
    }

    /// `_set_vocab_gpt2` / `get_vocab_base`.
    private static func bytePair(tokenizer: Tokenizer, root: JSONReader, config: [String: Any]?, modelConfig: [String: Any]?,
                                 alternateChatTemplate: String?, vocabularySize: Int?, file: String) throws -> GGUFVocabulary {
        let pre = try bytePairPreName(root, file: file)
        let byId = idToToken(tokenizer)
        let maxId = byId.keys.max() ?? -1
        let size = vocabularySize ?? Set(byId.values).count
        guard maxId < size else {
            throw TokenizerError.notRepresentableInGGUF(file: file, reason: "token id \(maxId) does not fit vocab_size \(size)")
        }
        let addedByContent = Dictionary(tokenizer.added.tokens.map { ($0.content, $0) }, uniquingKeysWith: { first, _ in first })
        let addedById = Dictionary(tokenizer.added.tokens.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var tokens = [String]()
        var types = [TokenType]()
        tokens.reserveCapacity(size)
        types.reserveCapacity(size)
        for id in 0..<size {
            guard var token = byId[id] else {
                tokens.append("[PAD\(id)]")
                types.append(.unused)
                continue
            }
            if addedByContent[token] != nil {
                let entry = addedById[id]
                if entry?.normalized == false {
                    // convert_hf_to_gguf stores added tokens in the form decode(encode(token)).
                    token = try tokenizer.decode(tokenizer.encode(token, addSpecialTokens: false))
                }
                if entry?.special == true || looksSpecial(token) {
                    types.append(.control)
                } else {
                    token = token.replacingOccurrences(of: "\u{2581}", with: " ")
                    types.append(.userDefined)
                }
            } else {
                types.append(.normal)
            }
            tokens.append(token)
        }
        let special = try specials(tokenizer, root: root, config: config, modelConfig: modelConfig,
                                   alternateChatTemplate: alternateChatTemplate, vocabularySize: nil, file: file)
        return GGUFVocabulary(model: .gpt2, pre: pre, tokens: tokens, tokenTypes: types, scores: nil,
                              merges: try mergeStrings(root, file: file), specialTokenIds: special.ids,
                              addSpecialTokens: special.add, chatTemplate: special.chatTemplate,
                              namedChatTemplates: special.namedChatTemplates)
    }

    /// `_set_vocab_llama_hf` (gguf-py's `LlamaHfVocab`), padded as `_set_vocab_sentencepiece` pads.
    private static func sentencePiece(tokenizer: Tokenizer, root: JSONReader, config: [String: Any]?, modelConfig: [String: Any]?,
                                      alternateChatTemplate: String?, vocabularySize: Int?, scoring: SentencePieceScores,
                                      file: String) throws -> GGUFVocabulary {
        let byId = idToToken(tokenizer)
        let modelVocab = tokenizer.model.tokens.enumerated().filter { tokenizer.model.id(of: $0.element) == $0.offset }
        let baseSize = modelVocab.count
        // Transformers' special tokens: the config's named roles and additional special tokens.
        var specialContents = Set<String>()
        for role in ["bos", "eos", "unk", "sep", "pad", "cls", "mask"] {
            if let text = config?["\(role)_token"] as? String { specialContents.insert(text) }
            if let object = config?["\(role)_token"] as? [String: Any], let text = object["content"] as? String { specialContents.insert(text) }
        }
        for key in ["additional_special_tokens", "extra_special_tokens"] {
            for entry in config?[key] as? [Any] ?? [] {
                if let text = entry as? String { specialContents.insert(text) }
                if let object = entry as? [String: Any], let text = object["content"] as? String { specialContents.insert(text) }
            }
        }
        let specialIds = Set(specialContents.compactMap { content in byId.first { $0.value == content }?.key })
        var tokens = [String]()
        var types = [TokenType]()
        for id in 0..<baseSize {
            guard let token = byId[id] else {
                throw TokenizerError.notRepresentableInGGUF(file: file, reason: "the model vocabulary has no token with id \(id)")
            }
            tokens.append(token)
            if Decoder.byteValue(token) != nil {
                types.append(.byte)
            } else {
                types.append(specialIds.contains(id) ? .control : .normal)
            }
        }
        for added in tokenizer.added.tokens.filter({ $0.id >= baseSize }).sorted(by: { $0.id < $1.id }) {
            guard added.id == tokens.count else {
                throw TokenizerError.notRepresentableInGGUF(file: file, reason: "added token ids are not contiguous after the model vocabulary (id \(added.id))")
            }
            tokens.append(added.content)
            types.append(specialIds.contains(added.id) ? .control : .userDefined)
        }
        var scores = [Float](repeating: -1000, count: tokens.count)
        if scoring == .mergeRanks {
            scores = [Float](repeating: -1e9, count: tokens.count)
            let index = Dictionary(tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            for (rank, merge) in try mergeStrings(root, file: file).enumerated().reversed() {
                let parts = merge.split(separator: " ", maxSplits: 1).map(String.init)
                if parts.count == 2, let id = index[parts[0] + parts[1]] { scores[id] = -Float(rank) }
            }
        }
        if let vocabularySize, vocabularySize > tokens.count {
            for index in 1...(vocabularySize - tokens.count) {
                tokens.append("[PAD\(index)]")
                types.append(.unused)
                scores.append(-1000)
            }
        }
        let special = try specials(tokenizer, root: root, config: config, modelConfig: modelConfig,
                                   alternateChatTemplate: alternateChatTemplate, vocabularySize: tokens.count, file: file)
        return GGUFVocabulary(model: .llama, pre: "default", tokens: tokens, tokenTypes: types, scores: scores,
                              merges: [], specialTokenIds: special.ids, addSpecialTokens: special.add,
                              chatTemplate: special.chatTemplate, namedChatTemplates: special.namedChatTemplates)
    }

    /// The `pre` name of a byte-level tokenizer's split regex.
    private static func bytePairPreName(_ root: JSONReader, file: String) throws -> String {
        let description = root.object["pre_tokenizer"].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
            .map { String(decoding: $0, as: UTF8.self) } ?? "none"
        let refuse = TokenizerError.notRepresentableInGGUF(
            file: file, reason: "pre-tokenizer \(description) is none of GPT-2 ByteLevel, Digits(individual) + ByteLevel, Llama-3 or Qwen2 Split + ByteLevel")
        guard !root.isNull("pre_tokenizer") else { throw refuse }
        let pre = try root.child("pre_tokenizer")
        let type = try pre.string("type")
        if type == "ByteLevel" {
            guard try pre.bool("use_regex", default: true), try !pre.bool("add_prefix_space", default: true) else { throw refuse }
            return "gpt-2"
        }
        guard type == "Sequence" else { throw refuse }
        let steps = try pre.children("pretokenizers")
        // SmolLM's (and StarCoder's) split: every digit apart, then GPT-2's regex. llama.cpp runs
        // `\p{N}` then GPT-2's regex for "smollm"; Unicode numbers are what HF's Digits splits.
        if steps.count == 2, try steps[0].string("type") == "Digits", try steps[0].bool("individual_digits", default: false),
           try steps[1].string("type") == "ByteLevel", try steps[1].bool("use_regex", default: true),
           try !steps[1].bool("add_prefix_space", default: true) {
            return "smollm"
        }
        guard steps.count == 2, try steps[0].string("type") == "Split", try steps[1].string("type") == "ByteLevel",
              try !steps[1].bool("use_regex", default: true), try !steps[1].bool("add_prefix_space", default: true),
              try steps[0].string("behavior") == "Isolated", try !steps[0].bool("invert", default: false),
              let regex = try steps[0].child("pattern").optionalString("Regex") else { throw refuse }
        switch regex {
        case ScannerPattern.llama3Source: return "llama-bpe"
        case ScannerPattern.qwen2Source: return "qwen2"
        default: throw refuse
        }
    }

    /// tokenizer.json merges as gguf-py writes them: `"a b"`; pairs given as lists have spaces
    /// inside a part written as U+0120.
    private static func mergeStrings(_ root: JSONReader, file: String) throws -> [String] {
        let model = try root.child("model")
        if model.isNull("merges") { return [] }
        return try model.array("merges").enumerated().map { rank, entry in
            if let text = entry as? String { return text }
            guard let pair = entry as? [String], pair.count == 2 else {
                throw model.failure("merges[\(rank)]", "expected \"a b\" or [\"a\", \"b\"]")
            }
            return pair.map { $0.replacingOccurrences(of: " ", with: "\u{0120}") }.joined(separator: " ")
        }
    }

    /// convert_hf_to_gguf.py's `does_token_look_special`.
    static func looksSpecial(_ token: String) -> Bool {
        if ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].contains(token) { return true }
        if token.hasPrefix("<|") && token.hasSuffix("|>") { return true }
        if token.hasPrefix("<\u{FF5C}") && token.hasSuffix("\u{FF5C}>") { return true }
        return token.hasPrefix("<unused") && token.hasSuffix(">")
    }
}
