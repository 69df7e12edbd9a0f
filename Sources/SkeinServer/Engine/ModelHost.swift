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

    /// The model under `rope` (a `--rope` spelling) and the attention policy `attention` names,
    /// resolved as `generate` and `eval` resolve them (`PolicyChoice.resolve`).
    /// - Throws: `EngineError.invalidOption` naming the bad option.
    public func resolve(attention: String, rope: String, kvType: String = "f32") throws -> (model: TransformerModel, policy: AttentionPolicy) {
        let choice = try choose(attention: attention, rope: rope, kvType: kvType)
        return (choice.model, choice.policy)
    }

    /// `resolve` for an input of `inputLength` tokens: a policy named without keys whose defaults
    /// would not reach that far is sized for it, as in `generate` (`PolicyChoice.resolve`).
    public func choose(attention: String, rope: String, kvType: String = "f32", inputLength: Int? = nil) throws -> PolicyChoice {
        let choice = try PolicyChoice.resolve(base, attention: attention, rope: rope, kvType: kvType, inputLength: inputLength)
        return PolicyChoice(model: shared(choice.model, rope: rope), policy: choice.policy, attention: attention, rope: rope,
                            sizedFor: choice.sizedFor)
    }

    /// One model object per RoPE spelling (the first resolved), so the scheduler batches the jobs that share it.
    private func shared(_ model: TransformerModel, rope: String) -> TransformerModel {
        lock.lock()
        defer { lock.unlock() }
        if let existing = variants[rope] { return existing }
        variants[rope] = model
        return model
    }
}
