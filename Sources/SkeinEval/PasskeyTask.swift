import Foundation
import SkeinEngine
import SkeinTokenizers

/// Passkey retrieval (Mohtashami & Jaggi, 2023): a 5-digit key hidden at a chosen depth of
/// filler text; the model must repeat it when asked at the end.
public struct PasskeyTask: Sendable {
    /// One prompt and the answer it expects.
    public struct Prompt: Sendable {
        public let ids: [Int]
        public let key: String
        public let depth: Double
    }

    public let tokenizer: ModelTokenizer
    public let filler: FillerText

    public init(tokenizer: ModelTokenizer, filler: FillerText) {
        self.tokenizer = tokenizer
        self.filler = filler
    }

    /// The needle and question, as the demo model was trained on them.
    static func needle(_ key: String) -> String { "The pass key is \(key). Remember it. \(key) is the pass key." }
    static let question = " What is the pass key? The pass key is"

    /// A prompt of about `length` tokens with the key at `depth` (0 = start, 1 = end) of the filler.
    public func prompt(length: Int, depth: Double, seed: UInt64) -> Prompt {
        var rng = SeededGenerator(seed: seed)
        let key = String(Int.random(in: 10000...99999, using: &rng))
        let overhead = tokenizer.encode(" " + Self.needle(key) + Self.question).count
        let counted = filler.takeCounted(tokens: max(0, length - overhead), using: &rng)
        var parts = counted.map(\.sentence)
        // The sentence boundary whose token offset is nearest depth x filler tokens.
        let target = depth * Double(counted.reduce(0) { $0 + $1.tokens })
        var offset = 0, slot = 0, best = Double.infinity
        for boundary in 0...counted.count {
            if abs(Double(offset) - target) < best { best = abs(Double(offset) - target); slot = boundary }
            if boundary < counted.count { offset += counted[boundary].tokens }
        }
        parts.insert(Self.needle(key), at: slot)
        let ids = tokenizer.encode(parts.joined(separator: " ") + Self.question)
        return Prompt(ids: ids, key: key, depth: depth)
    }

    /// Whether greedy decoding of the model under `policy` starts with the key.
    public func solves(_ prompt: Prompt, model: TransformerModel, policy: AttentionPolicy) throws -> Bool {
        let request = GenerationRequest(promptTokens: prompt.ids, maxTokens: 7, sampling: .init(temperature: 0),
                                        stopTokens: [], prefillChunk: 512)
        let result = try Generator(model: model, policy: policy).generate(request)
        let answer = try tokenizer.decode(result.tokens, skipSpecialTokens: true)
        return answer.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(prompt.key)
    }
}
