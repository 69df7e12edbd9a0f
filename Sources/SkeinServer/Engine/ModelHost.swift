import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers

/// The served model: weights, tokenizer, stop tokens, and its RoPE variants by request.
public final class ModelHost: @unchecked Sendable {
    public let base: TransformerModel
    public let tokenizer: ModelTokenizer
    /// Tokens that end a completion (EOS from config.json, generation_config.json and the tokenizer).
    public let stopTokens: Set<Int>
    private var variants: [String: TransformerModel] = [:]
    private let lock = NSLock()

    public init(folder: URL) throws {
        base = try TransformerModel.load(path: folder)
        tokenizer = try ModelTokenizer(path: folder)
        let generation = try GenerationConfiguration.load(directory: folder)
        stopTokens = Set(base.configuration.eosTokenIds + (generation?.eosTokenIds ?? []) + tokenizer.eosTokenIds)
    }

    /// The model under `rope` (a `--rope` spelling) and the attention policy `attention` names.
    /// - Throws: `EngineError.invalidOption` naming the bad option.
    public func resolve(attention: String, rope: String, kvType: String = "f32") throws -> (model: TransformerModel, policy: AttentionPolicy) {
        let model = try variant(rope: rope)
        return (model, try model.attentionPolicy(attention, kvType: kvType))
    }

    private func variant(rope: String) throws -> TransformerModel {
        lock.lock()
        defer { lock.unlock() }
        if let model = variants[rope] { return model }
        let model = try base.withRope(rope)
        variants[rope] = model
        return model
    }
}
