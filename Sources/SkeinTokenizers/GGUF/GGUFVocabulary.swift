import Foundation

/// A tokenizer as a GGUF file stores it (`tokenizer.ggml.*`, `tokenizer.chat_template*`), as a
/// plain value: what llama.cpp's convert_hf_to_gguf.py writes and what llama.cpp reads.
///
/// Build one from a Hugging Face tokenizer (`init(tokenizerJSON:...)`) to write a GGUF file, or
/// from GGUF metadata (SkeinEngine's glue) and call `makeTokenizer()` to tokenize with it.
public struct GGUFVocabulary: Sendable, Equatable {
    /// `tokenizer.ggml.model`.
    public enum Model: String, Sendable, CaseIterable {
        /// Byte-level BPE with ranked merges (GPT-2, Llama-3, Qwen2).
        case gpt2
        /// SentencePiece: merges by token score, `<0xHH>` byte tokens (Llama-2, Mistral).
        case llama
    }

    /// `tokenizer.ggml.token_type` values (gguf-py's `TokenType`).
    public enum TokenType: Int32, Sendable, CaseIterable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// Special token roles that have a GGUF id key.
    public enum SpecialToken: String, Sendable, CaseIterable {
        case bos, eos, unk, sep, pad, mask, eot, eom

        /// The GGUF key of this role's token id.
        public var idKey: String {
            switch self {
            case .unk: return "tokenizer.ggml.unknown_token_id"
            case .sep: return "tokenizer.ggml.seperator_token_id"  // sic: llama.cpp's spelling
            case .pad: return "tokenizer.ggml.padding_token_id"
            default: return "tokenizer.ggml.\(rawValue)_token_id"
            }
        }

        /// The GGUF key saying whether encoding adds this token (bos, eos and sep only).
        public var addKey: String? {
            switch self {
            case .bos, .eos, .sep: return "tokenizer.ggml.add_\(rawValue)_token"
            default: return nil
            }
        }
    }

    /// GGUF keys of the tokenizer.
    public enum Key {
        public static let model = "tokenizer.ggml.model"
        public static let pre = "tokenizer.ggml.pre"
        public static let tokens = "tokenizer.ggml.tokens"
        public static let tokenTypes = "tokenizer.ggml.token_type"
        public static let scores = "tokenizer.ggml.scores"
        public static let merges = "tokenizer.ggml.merges"
        public static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"
        public static let chatTemplate = "tokenizer.chat_template"
        public static let chatTemplateNames = "tokenizer.chat_templates"
        /// `tokenizer.chat_template.<name>`
        public static func chatTemplate(named name: String) -> String { "tokenizer.chat_template.\(name)" }
    }

    public var model: Model
    /// `tokenizer.ggml.pre`: the pre-tokenizer name ("gpt-2", "llama-bpe", "qwen2", "default", ...).
    public var pre: String?
    /// Token strings by id: byte-level alphabet for "gpt2", `▁` for spaces for "llama"; added
    /// tokens (control, user-defined) as raw text.
    public var tokens: [String]
    public var tokenTypes: [TokenType]
    /// One score per token ("llama"; nil for "gpt2", which convert_hf_to_gguf writes without).
    public var scores: [Float]?
    /// `"left right"` merges in rank order ("gpt2").
    public var merges: [String]
    public var specialTokenIds: [SpecialToken: Int]
    /// `add_bos_token`, `add_eos_token`, `add_sep_token` when the source says.
    public var addSpecialTokens: [SpecialToken: Bool]
    /// `tokenizer.ggml.add_space_prefix` when present (llama.cpp's default for "llama" is true).
    public var addSpacePrefix: Bool?
    /// The default chat template.
    public var chatTemplate: String?
    /// Named templates (`tokenizer.chat_template.<name>`), without "default".
    public var namedChatTemplates: [String: String]

    public init(model: Model, pre: String?, tokens: [String], tokenTypes: [TokenType], scores: [Float]? = nil,
                merges: [String] = [], specialTokenIds: [SpecialToken: Int] = [:],
                addSpecialTokens: [SpecialToken: Bool] = [:], addSpacePrefix: Bool? = nil,
                chatTemplate: String? = nil, namedChatTemplates: [String: String] = [:]) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.scores = scores
        self.merges = merges
        self.specialTokenIds = specialTokenIds
        self.addSpecialTokens = addSpecialTokens
        self.addSpacePrefix = addSpacePrefix
        self.chatTemplate = chatTemplate
        self.namedChatTemplates = namedChatTemplates
    }

    /// Checks that the arrays agree and every special id is a token.
    /// - Throws: `TokenizerError.invalidField` naming `file` and the GGUF key at fault.
    public func validate(file: String) throws {
        guard !tokens.isEmpty else {
            throw TokenizerError.invalidField(file: file, field: Key.tokens, reason: "the token list is empty")
        }
        guard tokenTypes.count == tokens.count else {
            throw TokenizerError.invalidField(
                file: file, field: Key.tokenTypes,
                reason: "\(tokenTypes.count) token types for \(tokens.count) tokens")
        }
        if let scores, scores.count != tokens.count {
            throw TokenizerError.invalidField(file: file, field: Key.scores, reason: "\(scores.count) scores for \(tokens.count) tokens")
        }
        for role in SpecialToken.allCases {
            if let id = specialTokenIds[role], !tokens.indices.contains(id) {
                throw TokenizerError.invalidField(file: file, field: role.idKey, reason: "id \(id) is outside the \(tokens.count) tokens")
            }
        }
    }
}
