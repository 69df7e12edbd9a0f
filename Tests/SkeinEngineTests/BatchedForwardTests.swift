import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Batched forward passes and cache copies/archives: the server's building blocks.
struct BatchedForwardTests {
    /// Decoding several sequences in one pass gives each exactly (bit for bit) the logits it
    /// gets alone, whatever its neighbours: prefill chunks and single tokens mixed, different policies.
    @Test(arguments: ["llama-f32", "qwen3", "mistral-window", "phi3", "gemma2"])
    func aBatchGivesEachSequenceItsOwnLogits(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let vocabulary = model.configuration.vocabSize
        let prompts = [Array(0..<9), Array(3..<8), Array(5..<20)].map { $0.map { ($0 * 37 + 11) % vocabulary } }
        let policies: [AttentionPolicy] = [FullAttention(), StreamingAttention(sinks: 2, window: 4), SelfExtendAttention(group: 2, window: 3)]
        // Alone: prefill, then three decode steps with fixed tokens.
        var alone: [[[Float]]] = []
        for (prompt, policy) in zip(prompts, policies) {
            let cache = model.makeCache(for: policy)
            var rows = try model.forward(prompt, cache: cache, policy: policy, logits: .last)
            for step in 0..<3 { rows += try model.forward([(step * 5 + 1) % vocabulary], cache: cache, policy: policy, logits: .last) }
            alone.append(rows)
        }
        // Together: the third sequence is still prefilling while the others decode.
        let caches = policies.map { model.makeCache(for: $0) }
        var together = [[[Float]]](repeating: [], count: 3)
        let first = try model.forward(batch: [
            BatchEntry(tokens: prompts[0], cache: caches[0], policy: policies[0]),
            BatchEntry(tokens: prompts[1], cache: caches[1], policy: policies[1]),
        ])
        together[0] += first[0]
        together[1] += first[1]
        together[2] += try model.forward(batch: [BatchEntry(tokens: prompts[2], cache: caches[2], policy: policies[2])])[0]
        for step in 0..<3 {
            let token = (step * 5 + 1) % vocabulary
            let out = try model.forward(batch: (0..<3).map { BatchEntry(tokens: [token], cache: caches[$0], policy: policies[$0]) })
            for i in 0..<3 { together[i] += out[i] }
        }
        for i in 0..<3 { #expect(together[i] == alone[i], "sequence \(i) of \(name) changed when batched") }
    }

    @Test func oneCacheTwiceInABatchIsAnError() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let cache = model.makeCache()
        #expect(throws: EngineError.self) {
            try model.forward(batch: [BatchEntry(tokens: [1], cache: cache, policy: FullAttention()),
                                      BatchEntry(tokens: [2], cache: cache, policy: FullAttention())])
        }
    }

    /// A cache written out and read back (or copied) continues with bit-identical logits.
    @Test(arguments: ["llama-f32", "llama-rope-dynamic", "phi3-longrope", "gemma3"])
    func anArchivedCacheContinuesIdentically(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let policy = SelfExtendAttention(group: 2, window: 4)   // an extra key channel too
        let cache = model.makeCache(for: policy)
        _ = try model.forward(Array(1..<40), cache: cache, policy: policy)
        let restored = try DenseKVCache.unarchive(cache.archived(), for: model, source: "memory")
        let copied = cache.copy()
        let expected = try model.forward([7, 8], cache: cache, policy: policy)
        #expect(try model.forward([7, 8], cache: restored, policy: policy) == expected)
        #expect(try model.forward([7, 8], cache: copied, policy: policy) == expected)
        #expect(restored.positions == cache.positions && restored.nextPosition == cache.nextPosition)
    }

    @Test func aCorruptedOrTornArchiveIsRejected() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let cache = model.makeCache()
        _ = try model.forward(Array(1..<10), cache: cache)
        let data = cache.archived()
        var flipped = data
        flipped[data.count / 2] ^= 0x40
        for (bad, why) in [(flipped, "checksum"), (data.prefix(data.count - 100), "checksum"), (Data("nope".utf8), "magic")] {
            #expect {
                try DenseKVCache.unarchive(bad, for: model, source: "session.bin")
            } throws: { error in
                "\(error)".contains("session.bin") && "\(error)".contains(why)
            }
        }
        let other = try TransformerModel.load(directory: Fixtures.model("qwen3"))
        #expect(throws: CacheArchiveError.self) { try DenseKVCache.unarchive(data, for: other, source: "x") }
    }
}
