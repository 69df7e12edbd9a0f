import Foundation

extension GGUFVocabulary {
    /// The split style of a "gpt2" vocabulary's `pre` name.
    enum BytePairStyle {
        /// GPT-2's regex.
        case gpt2
        /// Every digit apart (`\p{N}`), then GPT-2's regex: HF's `Digits(individual_digits)` + `ByteLevel`.
        case digitsGPT2
        case llama3, qwen2
    }

    /// `pre` names llama.cpp maps to the split regexes Skein runs (other names are refused).
    /// "starcoder", "smollm", "refact", "command-r", "codeshell", "exaone" and "minerva-7b" share
    /// one regex list in llama.cpp (`\p{N}`, then GPT-2's).
    static let bytePairStyles: [String: BytePairStyle] = [
        "gpt-2": .gpt2,
        "starcoder": .digitsGPT2, "smollm": .digitsGPT2, "refact": .digitsGPT2, "command-r": .digitsGPT2,
        "codeshell": .digitsGPT2, "exaone": .digitsGPT2, "minerva-7b": .digitsGPT2,
        "llama-bpe": .llama3, "llama3": .llama3, "llama-v3": .llama3,
        "qwen2": .qwen2, "deepseek-r1-qwen": .qwen2,
    ]

    /// Whether encoding adds a BOS token: the GGUF flag, else llama.cpp's default for the model
    /// (when there is a BOS id).
    var addsBos: Bool {
        if let flag = addSpecialTokens[.bos] { return flag }
        guard resolvedSpecialTokenIds[.bos] != nil else { return false }
        switch model {
        case .llama: return true
        case .gpt2: return pre.flatMap { Self.bytePairStyles[$0] } == .llama3
        }
    }

    /// Special ids with llama.cpp's defaults for "llama" vocabularies (unk 0, bos 1, eos 2).
    var resolvedSpecialTokenIds: [SpecialToken: Int] {
        var ids = specialTokenIds
        if model == .llama {
            for (role, id) in [(SpecialToken.unk, 0), (.bos, 1), (.eos, 2)] where ids[role] == nil && id < tokens.count {
                ids[role] = id
            }
        }
        return ids
    }

    /// A tokenizer that encodes as llama.cpp does with this vocabulary, and decodes as the
    /// Hugging Face tokenizer it came from.
    ///
    /// "gpt2": byte-level BPE with the merges and the split regex of `pre` (Qwen2 also gets its
    /// NFC normalizer, which GGUF does not record and llama.cpp skips); Llama-3 vocabularies take
    /// whole-word tokens before merging. "llama": a space before every text fragment, spaces as
    /// `▁`, merges by score, `<0xHH>` byte fallback. Control, user-defined and unknown tokens are
    /// cut out of the text first; control and unknown ones are special (skipped by
    /// `decode(skipSpecialTokens:)`).
    /// - Throws: `TokenizerError.invalidField` naming `file` and the key at fault (inconsistent
    ///   arrays, unknown `pre`, bad merges, add_bos_token/add_eos_token true without the id).
    public func makeTokenizer(file: String = "GGUF metadata") throws -> Tokenizer {
        try validate(file: file)
        let ids = resolvedSpecialTokenIds
        var prefix = [Int]()
        var suffix = [Int]()
        if addsBos {
            guard let bos = ids[.bos] else {
                throw TokenizerError.invalidField(file: file, field: SpecialToken.bos.idKey, reason: "add_bos_token is true but there is no BOS id")
            }
            prefix = [bos]
        }
        if addSpecialTokens[.eos] == true {
            guard let eos = ids[.eos] else {
                throw TokenizerError.invalidField(file: file, field: SpecialToken.eos.idKey, reason: "add_eos_token is true but there is no EOS id")
            }
            suffix = [eos]
        }
        let added = AddedVocabulary(tokens: tokens.indices.compactMap { id in
            let type = tokenTypes[id]
            guard type == .control || type == .userDefined || type == .unknown else { return nil }
            return AddedVocabulary.Token(id: id, content: tokens[id], singleWord: false, lstrip: false, rstrip: false,
                                         normalized: false, special: type != .userDefined)
        }, normalizer: nil)
        let postProcessor = PostProcessor.template(prefix: prefix, suffix: suffix)
        switch model {
        case .gpt2:
            return try makeBytePairTokenizer(file: file, added: added, postProcessor: postProcessor)
        case .llama:
            let addPrefix = addSpacePrefix ?? true
            var decoders: [Decoder] = [
                .replace(pattern: LiteralPattern(needle: ["\u{2581}"]), content: " "), .byteFallback, .fuse,
            ]
            if addPrefix { decoders.append(.strip(content: " ", start: 1, stop: 0)) }
            let model = ScoreMergeModel(tokens: tokens, scores: scores ?? Array(repeating: 0, count: tokens.count),
                                        unknownId: ids[.unk])
            return Tokenizer(normalizer: nil, preTokenizer: .escapeWhitespace(addPrefix: addPrefix), model: model,
                             postProcessor: postProcessor, decoder: .sequence(decoders), added: added)
        }
    }

    private func makeBytePairTokenizer(file: String, added: AddedVocabulary, postProcessor: PostProcessor) throws -> Tokenizer {
        guard let pre, let style = Self.bytePairStyles[pre] else {
            let known = Self.bytePairStyles.keys.sorted().joined(separator: ", ")
            throw TokenizerError.invalidField(file: file, field: Key.pre,
                                              reason: "unknown pre-tokenizer \((pre ?? "(missing)").debugDescription); Skein knows \(known)")
        }
        var vocab = [String: Int](minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() { vocab[token] = id }
        var pairs = [(String, String)]()
        pairs.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            // llama.cpp splits at the first space after the first character.
            let scalars = Array(merge.unicodeScalars)
            guard scalars.count >= 3, let space = scalars[1...].firstIndex(of: " ") else {
                throw TokenizerError.invalidField(file: file, field: "\(Key.merges)[\(rank)]", reason: "expected \"left right\", got \(merge.debugDescription)")
            }
            pairs.append((BPEModel.string(scalars[..<space]), BPEModel.string(scalars[(space + 1)...])))
        }
        let model = try BPEModel(
            vocab: vocab, tokens: tokens, merges: pairs,
            options: BPEModel.Options(ignoreMerges: style == .llama3),
            mergeError: { rank, pair in
                .invalidField(file: file, field: "\(Key.merges)[\(rank)]", reason: "\(pair) uses a token that is not in \(Key.tokens)")
            })
        let preTokenizer: PreTokenizer
        switch style {
        case .gpt2:
            preTokenizer = .byteLevel(addPrefixSpace: false, useRegex: true)
        case .digitsGPT2:
            preTokenizer = .sequence([.digits(individual: true), .byteLevel(addPrefixSpace: false, useRegex: true)])
        case .llama3, .qwen2:
            preTokenizer = .sequence([
                .split(pattern: ScannerPattern(style: style == .llama3 ? .llama3 : .qwen2), behavior: .isolated, invert: false),
                .byteLevel(addPrefixSpace: false, useRegex: false),
            ])
        }
        return Tokenizer(normalizer: style == .qwen2 ? .nfc : nil, preTokenizer: preTokenizer, model: model,
                         postProcessor: postProcessor, decoder: .byteLevel, added: added)
    }

    /// A `ModelTokenizer` (tokenizer + special tokens + chat templates) from this vocabulary.
    /// - Throws: as `makeTokenizer(file:)`.
    public func makeModelTokenizer(file: String = "GGUF metadata") throws -> ModelTokenizer {
        let tokenizer = try makeTokenizer(file: file)
        let ids = resolvedSpecialTokenIds
        var configuration = TokenizerConfiguration()
        configuration.bosToken = ids[.bos].map { tokens[$0] }
        configuration.eosToken = ids[.eos].map { tokens[$0] }
        configuration.padToken = ids[.pad].map { tokens[$0] }
        configuration.addBosToken = addsBos
        configuration.addEosToken = addSpecialTokens[.eos] ?? false
        configuration.chatTemplate = chatTemplate
        configuration.namedChatTemplates = namedChatTemplates
        if let chatTemplate, !namedChatTemplates.isEmpty { configuration.namedChatTemplates["default"] = chatTemplate }
        return ModelTokenizer(tokenizer: tokenizer, configuration: configuration)
    }
}
