import Foundation
import SkeinFormats
import SkeinTokenizers

extension GGUFVocabulary {
    /// Reads `tokenizer.ggml.*` and `tokenizer.chat_template*` from GGUF metadata.
    ///
    /// Required: `tokenizer.ggml.model` ("gpt2" or "llama") and `tokenizer.ggml.tokens`;
    /// `tokenizer.ggml.token_type` defaults to NORMAL for every token, as in llama.cpp.
    /// - Throws: `FormatError.missingField` / `.invalidField` naming `file` and the key that is
    ///   missing or has the wrong type; `TokenizerError.invalidField` for an unknown model name.
    public init(metadata: [String: GGUFValue], file: String) throws {
        let reader = GGUFMetadataReader(metadata: metadata, file: file)
        let modelName = try reader.string(Key.model)
        guard let model = Model(rawValue: modelName) else {
            throw TokenizerError.invalidField(file: file, field: Key.model,
                                              reason: "unknown tokenizer model \(modelName.debugDescription); Skein reads \"gpt2\" and \"llama\"")
        }
        let tokens = try reader.strings(Key.tokens)
        var types = [TokenType](repeating: .normal, count: tokens.count)
        if metadata[Key.tokenTypes] != nil {
            types = try reader.integers(Key.tokenTypes).enumerated().map { index, raw in
                guard let type = Int32(exactly: raw).flatMap(TokenType.init(rawValue:)) else {
                    throw FormatError.invalidField(file: file, field: "\(Key.tokenTypes)[\(index)]", reason: "unknown token type \(raw)")
                }
                return type
            }
        }
        var specialIds = [SpecialToken: Int]()
        var add = [SpecialToken: Bool]()
        for role in SpecialToken.allCases {
            if metadata[role.idKey] != nil { specialIds[role] = try reader.integer(role.idKey) }
            if let key = role.addKey, metadata[key] != nil { add[role] = try reader.bool(key) }
        }
        var named = [String: String]()
        if metadata[Key.chatTemplateNames] != nil {
            for name in try reader.strings(Key.chatTemplateNames) {
                named[name] = try reader.string(Key.chatTemplate(named: name))
            }
        }
        self.init(
            model: model, pre: try reader.optionalString(Key.pre), tokens: tokens, tokenTypes: types,
            scores: metadata[Key.scores] == nil ? nil : try reader.floats(Key.scores),
            merges: metadata[Key.merges] == nil ? [] : try reader.strings(Key.merges),
            specialTokenIds: specialIds, addSpecialTokens: add,
            addSpacePrefix: metadata[Key.addSpacePrefix] == nil ? nil : try reader.bool(Key.addSpacePrefix),
            chatTemplate: try reader.optionalString(Key.chatTemplate), namedChatTemplates: named)
    }

    /// The metadata a GGUF writer stores for this vocabulary, with the key types llama.cpp and
    /// gguf-py use (token types INT32, scores FLOAT32, ids UINT32), in convert_hf_to_gguf.py's order.
    public var metadataEntries: [GGUFMetadataEntry] {
        var entries = [GGUFMetadataEntry(Key.model, .string(model.rawValue))]
        if let pre { entries.append(GGUFMetadataEntry(Key.pre, .string(pre))) }
        entries.append(GGUFMetadataEntry(Key.tokens, .strings(tokens)))
        if let scores { entries.append(GGUFMetadataEntry(Key.scores, .float32s(scores))) }
        entries.append(GGUFMetadataEntry(Key.tokenTypes, .int32s(tokenTypes.map(\.rawValue))))
        if !merges.isEmpty { entries.append(GGUFMetadataEntry(Key.merges, .strings(merges))) }
        for role in SpecialToken.allCases {
            if let id = specialTokenIds[role] { entries.append(GGUFMetadataEntry(role.idKey, .uint32(UInt32(id)))) }
        }
        for role in SpecialToken.allCases {
            if let key = role.addKey, let flag = addSpecialTokens[role] { entries.append(GGUFMetadataEntry(key, .bool(flag))) }
        }
        if let addSpacePrefix { entries.append(GGUFMetadataEntry(Key.addSpacePrefix, .bool(addSpacePrefix))) }
        let names = namedChatTemplates.keys.sorted()
        for name in names { entries.append(GGUFMetadataEntry(Key.chatTemplate(named: name), .string(namedChatTemplates[name]!))) }
        if !names.isEmpty { entries.append(GGUFMetadataEntry(Key.chatTemplateNames, .strings(names))) }
        if let chatTemplate { entries.append(GGUFMetadataEntry(Key.chatTemplate, .string(chatTemplate))) }
        return entries
    }
}

extension ModelTokenizer {
    /// The tokenizer stored in a GGUF file, with its special tokens and chat templates; used
    /// like `ModelTokenizer(folder:)`.
    /// - Throws: `FormatError` for missing or mistyped keys, `TokenizerError` for an
    ///   inconsistent or unsupported vocabulary, each naming the file and key.
    public init(gguf: GGUFFile) throws {
        self = try GGUFVocabulary(metadata: gguf.metadata, file: gguf.path).makeModelTokenizer(file: gguf.path)
    }
}

/// Typed reads of GGUF metadata values; every failure names the file and key.
struct GGUFMetadataReader {
    let metadata: [String: GGUFValue]
    let file: String

    private func value(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else { throw FormatError.missingField(file: file, field: key) }
        return value
    }

    private func mistyped(_ key: String, _ expected: String) -> FormatError {
        .invalidField(file: file, field: key, reason: "expected \(expected)")
    }

    func string(_ key: String) throws -> String {
        guard case .string(let text) = try value(key) else { throw mistyped(key, "a string") }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        metadata[key] == nil ? nil : try string(key)
    }

    func bool(_ key: String) throws -> Bool {
        guard case .bool(let flag) = try value(key) else { throw mistyped(key, "a bool") }
        return flag
    }

    func integer(_ key: String) throws -> Int {
        guard let number = try value(key).intValue else { throw mistyped(key, "an integer") }
        return number
    }

    private func array(_ key: String) throws -> [GGUFValue] {
        guard case .array(let items) = try value(key) else { throw mistyped(key, "an array") }
        return items
    }

    func strings(_ key: String) throws -> [String] {
        try array(key).map { item in
            guard case .string(let text) = item else { throw mistyped(key, "an array of strings") }
            return text
        }
    }

    func integers(_ key: String) throws -> [Int] {
        try array(key).map { item in
            guard let number = item.intValue else { throw mistyped(key, "an array of integers") }
            return number
        }
    }

    func floats(_ key: String) throws -> [Float] {
        try array(key).map { item in
            guard case .float(let number) = item else { throw mistyped(key, "an array of floats") }
            return Float(number)
        }
    }
}
