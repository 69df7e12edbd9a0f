import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting
#if canImport(Glibc)
import Glibc
#endif

/// InfLLM: which blocks form and are retrieved, the recorded run against the reference, the
/// offload file's lifetime and checksums.
@Suite(.serialized) struct InfLLMTests {
    static let policy = InfLLMAttention(sinks: 2, local: 8, block: 4, repr: 2, topK: 2, cached: 1, chunk: 5)

    @Test func blocksFormOnceTheyLeaveTheLocalWindow() {
        let p = Self.policy
        #expect(p.blocksToForm(formedUpTo: 2, nextPosition: 13).isEmpty)  // 2 + 4 > 13 - 8
        #expect(p.blocksToForm(formedUpTo: 2, nextPosition: 14) == [2..<6])
        #expect(p.blocksToForm(formedUpTo: 2, nextPosition: 30) == [2..<6, 6..<10, 10..<14, 14..<18, 18..<22])
        #expect(p.blocksToForm(formedUpTo: 22, nextPosition: 30).isEmpty)
        #expect(p.sinkQueryPosition(query: 100, sink: 1) == 9)
        #expect(p.sinkQueryPosition(query: 5, sink: 1) == 5)
    }

    @Test func retrievalRanksBlocksByRepresentatives() {
        // 3 blocks, 1 kv head, 2 representatives of dimension 2; 2 query heads share the kv head.
        let reps: [Float] = [1, 0, 0, 0,    0, 1, 0, 1,    -1, 0, 2, 2]
        let queries: [Float] = [1, 1, 0, 1]
        // Per block: q0.r0 + q0.r1 + q1.r0 + q1.r1; block 2: (-1 + 4) + (0 + 2).
        let relevance = BlockMemory.relevance(queries: queries, representatives: reps, heads: 2, kvHeads: 1, repr: 2, headDim: 2)
        #expect(relevance == [1, 4, 5])
        #expect(MemoryRules.topIndices(relevance, k: 2) == [1, 2])
    }

    @Test func recordedRunMatchesReferenceAndStaysBounded() throws {
        for name in ["llama-f32", "qwen3"] {
            let model = try TransformerModel.load(directory: Fixtures.model(name))
            let length = 80
            let tokens = PolicyConformanceTests.tokens(length, vocabulary: model.configuration.vocabSize)
            let policy = Self.policy
            let cache = model.makeCache(for: policy)
            var logits: [[Float]] = [], offset = 0
            for chunk in [11, 1, 1, 6, 1].cycled(until: length) where offset < length {
                let end = min(length, offset + chunk)
                if offset == 0 { _ = try cache.prepareBlockMemory(policy).recordsTrace = true }
                logits += try model.forward(Array(tokens[offset..<end]), cache: cache, policy: policy)
                offset = end
            }
            let memory = try #require(cache.blockMemory)
            let reference = try ReferenceForward(model: model).logits(tokens, attention: memory.explicitAttention)
            let (diff, scale) = maxDifference(logits, reference)
            #expect(diff <= 1e-4 * scale, "\(name): \(diff) vs \(scale)")
            #expect(cache.count <= policy.sinks + policy.local + policy.block, "dense cache holds \(cache.count)")
            #expect(memory.blockCount == (length - policy.local - policy.sinks) / policy.block)
            #expect(memory.fileReads > 0, "no block was read back from the offload file")
            // Only the top-k blocks were read: 2 blocks of 4 tokens per query and layer.
            #expect(memory.memoryTrace.allSatisfy { $0.values.allSatisfy { $0.count <= 8 } })
        }
    }

    @Test func offloadFileHasNoNameAndCorruptionIsReported() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let tokens = PolicyConformanceTests.tokens(40, vocabulary: model.configuration.vocabSize)
        let cache = model.makeCache(for: Self.policy)
        _ = try model.forward(Array(tokens[0..<30]), cache: cache, policy: Self.policy, logits: .last)
        let memory = try #require(cache.blockMemory)
        #expect(!FileManager.default.fileExists(atPath: memory.offloadPath), "the offload file is still reachable by name")
        #expect(memory.offloadPath.hasPrefix(FileManager.default.temporaryDirectory.path))
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(memory.file.fileDescriptor)")
        #expect(link.hasSuffix("(deleted)"))
        // Flip bytes of every record on disk, behind the cache's back.
        var garbage = [UInt8](repeating: 0xA5, count: 64)
        for record in 0..<memory.file.recordCount {
            _ = pwrite(memory.file.fileDescriptor, &garbage, garbage.count, off_t(record * memory.file.recordBytes))
        }
        memory.dropHotBlocks()
        #expect {
            _ = try model.forward([tokens[30]], cache: cache, policy: Self.policy, logits: .last)
        } throws: { error in
            if case EngineError.corruptedOffloadBlock = error { return true }
            return false
        }
    }
}
