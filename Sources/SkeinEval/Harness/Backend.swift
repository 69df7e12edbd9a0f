import Foundation
import SkeinEngine
import SkeinTokenizers

/// Something that continues a prompt greedily: the local engine or a remote endpoint.
public protocol CompletionBackend: Sendable {
    /// The greedy continuation of `prompt`, at most `maxTokens` tokens.
    func complete(_ prompt: String, maxTokens: Int) throws -> String
    /// The policy this backend applies, recorded with each result (nil: unknown, e.g. a test double).
    var appliedPolicy: AppliedPolicy? { get }
}

extension CompletionBackend {
    public var appliedPolicy: AppliedPolicy? { nil }
}

/// The local engine under one method.
public struct LocalBackend: CompletionBackend {
    public let model: TransformerModel
    public let policy: AttentionPolicy
    public let tokenizer: ModelTokenizer
    public let appliedPolicy: AppliedPolicy?

    public init(model: TransformerModel, method: Method, tokenizer: ModelTokenizer) throws {
        (self.model, self.policy) = try method.apply(to: model)
        self.tokenizer = tokenizer
        appliedPolicy = try AppliedPolicy.local(method, model: model)
    }

    public func complete(_ prompt: String, maxTokens: Int) throws -> String {
        let request = GenerationRequest(promptTokens: tokenizer.encode(prompt), maxTokens: maxTokens,
                                        sampling: .init(temperature: 0), stopTokens: Set(tokenizer.eosTokenIds))
        let result = try Generator(model: model, policy: policy).generate(request)
        return try tokenizer.decode(result.tokens, skipSpecialTokens: true)
    }
}
