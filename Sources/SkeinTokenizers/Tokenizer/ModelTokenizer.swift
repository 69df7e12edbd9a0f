import Foundation

/// A model folder's tokenizer: `tokenizer.json` plus `tokenizer_config.json`, with the chat template.
public struct ModelTokenizer: Sendable {
    public let tokenizer: Tokenizer
    public let configuration: TokenizerConfiguration

    /// A tokenizer with its configuration (e.g. from `GGUFVocabulary.makeModelTokenizer()`).
    public init(tokenizer: Tokenizer, configuration: TokenizerConfiguration) {
        self.tokenizer = tokenizer
        self.configuration = configuration
    }

    /// Loads `tokenizer.json` and (if present) `tokenizer_config.json` from `folder`.
    /// - Throws: `TokenizerError` naming the file and field at fault.
    public init(folder: URL) throws {
        let file = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw TokenizerError.unreadable(file: file.path, reason: "no such file (the model folder needs a tokenizer.json)")
        }
        tokenizer = try Tokenizer(file: file)
        configuration = try TokenizerConfiguration(file: folder.appendingPathComponent("tokenizer_config.json"))
    }

    /// Token ids of a prompt, with the special tokens the tokenizer adds (BOS for most models).
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        tokenizer.encode(text, addSpecialTokens: addSpecialTokens)
    }

    /// The text of `ids`.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> String {
        try tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    /// Ids of the configuration's EOS token (plus any the caller adds).
    public var eosTokenIds: [Int] {
        [configuration.eosToken].compactMap { $0.flatMap(tokenizer.id(of:)) }
    }

    /// Renders messages with the chat template and encodes the result without adding special
    /// tokens again (templates write their own BOS).
    /// - Throws: `ChatTemplateError`, or `TokenizerError.invalidField` when there is no template.
    public func encodeChat(_ messages: [TemplateValue], addGenerationPrompt: Bool = true) throws -> [Int] {
        guard let source = configuration.chatTemplate else {
            throw TokenizerError.invalidField(file: "tokenizer_config.json", field: "chat_template", reason: "the model has no chat template")
        }
        let text = try ChatTemplate(source: source).render(
            messages: messages, addGenerationPrompt: addGenerationPrompt,
            bosToken: configuration.bosToken, eosToken: configuration.eosToken)
        return tokenizer.encode(text, addSpecialTokens: false)
    }
}
