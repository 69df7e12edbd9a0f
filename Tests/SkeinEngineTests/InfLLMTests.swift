import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting
#if canImport(Glibc)
import Glibc
#endif

/// InfLLM: which blocks form, which representatives and blocks are chosen and at what positions
/// they are read (on given numbers); the recorded run against the reference; the offload file's
/// lifetime and checksums.
@Suite(.serialized) struct InfLLMTests {
    /// Skein's defaults: per-head blocks ranked by their best representative.
    static let policy = InfLLMAttention(sinks: 2, local: 8, block: 4, repr: 2, topK: 2, cached: 1, chunk: 5)
    /// thunlp/InfLLM's defaults: one choice per layer, the representatives' mean key.
    static let codeDefaults = InfLLMAttention(sinks: 2, local: 8, block: 4, repr: 2, topK: 2, cached: 1, chunk: 5,
                                              selection: .layer, blockScore: .mean)

    @Test func blocksFormOnceTheyLeaveTheLocalWindow() {
        let p = Self.policy
        #expect(p.blocksToForm(formedUpTo: 2, nextPosition: 13).isEmpty)  // 2 + 4 > 13 - 8
        #expect(p.blocksToForm(formedUpTo: 2, nextPosition: 14) == [2..<6])
        #expect(p.blocksToForm(formedUpTo: 2, nextPosition: 30) == [2..<6, 6..<10, 10..<14, 14..<18, 18..<22])
        #expect(p.blocksToForm(formedUpTo: 22, nextPosition: 30).isEmpty)
    }

    @Test func everythingOutsideTheWindowIsReadAtTheWindowsFarEdge() {
        let p = Self.policy  // local 8: distances 0...7 are true, everything farther is read at 7
        #expect(p.farDistance == 7)
        #expect(p.isLocal(query: 20, key: 13) && !p.isLocal(query: 20, key: 12))
        #expect(p.queryPosition(query: 20, key: 13) == 20)      // inside the window: true distance 7
        #expect(p.queryPosition(query: 20, key: 12) == 12 + 7)  // a memory token, distance 8 -> 7
        #expect(p.queryPosition(query: 100, key: 1) == 1 + 7)   // a sink far behind
        #expect(p.queryPosition(query: 5, key: 1) == 5)         // a sink still in the window
        #expect(p.queryPosition(query: 10_000, key: 40) - 40 == 7)
    }

    @Test func representativesAreWhatEachHeadAttendedMostInsideTheBlock() {
        // A block of 3 tokens, 2 query heads sharing 1 kv head; scores are (token, head).
        let scores: [Float] = [0.1, 0.9,    0.5, 0.2,    0.3, 0.8]
        let chosen = BlockMemory.chooseRepresentatives(scores: scores, heads: 2, repr: 2)
        #expect(chosen == [[1, 2], [0, 2]])  // head 0: tokens 1, 2; head 1: tokens 0, 2
        // Keys (kvHeads 1, block 3, headDim 2): each head's representative is its chosen keys' mean.
        let keys: [Float] = [2, 0,    0, 4,    6, 2]
        let vectors = BlockMemory.representatives(keys: keys, chosen: chosen, kvHeads: 1, block: 3, headDim: 2)
        #expect(vectors == [3, 3,    4, 1])
        // Two kv heads with one query head each: each head averages its own kv head's keys.
        let two = BlockMemory.representatives(keys: [1, 1, 3, 3,    10, 0, 0, 10], chosen: [[0, 1], [1]], kvHeads: 2,
                                              block: 2, headDim: 2)
        #expect(two == [2, 2,    0, 10])
    }

    @Test func retrievalRanksBlocksByHeadsSummedInnerProducts() {
        // 3 blocks, 2 query heads, headDim 2: representatives are (blocks, heads, headDim).
        let reps: [Float] = [1, 0, 0, 0,    0, 1, 0, 1,    -1, 0, 2, 2]
        let queries: [Float] = [1, 1, 0, 1]
        let terms = BlockMemory.headTerms(queries: queries, representatives: reps, heads: 2, headDim: 2)
        #expect(terms == [1, 0,    1, 1,    -1, 2])  // (block, head): q_h . r(b, h)
        // Block b: q0 . r(b, 0) + q1 . r(b, 1); block 2: -1 + 2.
        let relevance = BlockMemory.relevance(terms: terms, heads: 2)
        #expect(relevance == [1, 2, 1])
        #expect(BlockMemory.selectBlocks(relevance, topK: 1) == [1])
        #expect(BlockMemory.selectBlocks(relevance, topK: 2) == [0, 1])  // ties: the earlier block
        #expect(BlockMemory.selectBlocks(relevance, topK: 3) == [0, 1, 2])
        #expect(BlockMemory.selectBlocks(relevance, topK: 8) == [0, 1, 2])  // fewer blocks than k: all
        // All heads of a layer share the choice; with select=head each ranks by its own term.
        #expect(BlockMemory.selectBlocks(terms: terms, heads: 2, topK: 1, selection: .layer) == [[1], [1]])
        #expect(BlockMemory.selectBlocks(terms: terms, heads: 2, topK: 1, selection: .head) == [[0], [2]])
        #expect(BlockMemory.selectBlocks(terms: terms, heads: 2, topK: 2, selection: .head) == [[0, 1], [1, 2]])
    }

    @Test func scoreMaxLetsTheBestMatchingRepresentativeDecide() {
        // 2 blocks, 1 head, 2 representatives each (headDim 2): the mean hides a single strong match.
        let reps: [Float] = [3, 0, -3, 0,    1, 0, 1, 0]
        let query: [Float] = [1, 0]
        let best = BlockMemory.headTerms(queries: query, representatives: reps, heads: 1, vectors: 2, headDim: 2)
        #expect(best == [3, 1])
        let means = BlockMemory.representatives(keys: reps, chosen: [[0, 1]], kvHeads: 1, block: 2, headDim: 2)
            + BlockMemory.representatives(keys: Array(reps[4...]), chosen: [[0, 1]], kvHeads: 1, block: 2, headDim: 2)
        #expect(BlockMemory.headTerms(queries: query, representatives: means, heads: 1, headDim: 2) == [0, 1])
        // Each head's chosen keys, gathered from its kv head: (heads, repr, headDim).
        let gathered = BlockMemory.gatheredRepresentatives(keys: [1, 1, 3, 3,    10, 0, 0, 10], chosen: [[1], [0]], kvHeads: 2,
                                                          block: 2, headDim: 2)
        #expect(gathered == [3, 3,    10, 0])
    }

    @Test func catalogDefaultsScaleWithTheTrainingLength() throws {
        let p = try #require(try PolicyCatalog.attention("infllm", trainingLength: 256) as? InfLLMAttention)
        #expect(p.local == 128 && p.chunk == 32 && p.farDistance == 127 && p.block == 8 && p.topK == 16 && p.repr == 4)
        #expect(p.representativeScore == .attention && p.retrievalQuery == .rotated)
        #expect(p.selection == .head && p.blockScore == .max)
        #expect(p.description == "infllm:sinks=4,local=128,block=8,repr=4,topk=16,cached=1024,chunk=32,select=head,score=max")
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("infllm:local=64,chunk=65", trainingLength: 256) }
        let paper = try #require(try PolicyCatalog.attention("infllm:represent=dot,query=raw,select=layer,score=mean", trainingLength: 256)
                                 as? InfLLMAttention)
        #expect(paper.representativeScore == .dot && paper.retrievalQuery == .raw && paper.selection == .layer)
        #expect(paper.blockScore == .mean && paper.representativeVectors == 1)
    }

    /// Feeds `length` tokens in passes of `chunks` (cycled) and replays the recorded pattern.
    func checkRecordedRun(model name: String, chunks: [Int], policy: InfLLMAttention, length: Int = 80) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let tokens = PolicyConformanceTests.tokens(length, vocabulary: model.configuration.vocabSize)
        let cache = model.makeCache(for: policy)
        var logits: [[Float]] = [], offset = 0
        _ = try cache.prepareBlockMemory(policy, headCount: model.configuration.headCount).recordsTrace = true
        for chunk in chunks.cycled(until: length) where offset < length {
            let end = min(length, offset + chunk)
            logits += try model.forward(Array(tokens[offset..<end]), cache: cache, policy: policy)
            offset = end
        }
        let memory = try #require(cache.blockMemory)
        let reference = try ReferenceForward(model: model).logits(tokens, attention: memory.explicitAttention)
        let (diff, scale) = maxDifference(logits, reference)
        #expect(diff <= 1e-4 * scale, "\(name) \(chunks): \(diff) vs \(scale)")
        #expect(cache.count <= policy.sinks + policy.local + policy.block, "dense cache holds \(cache.count)")
        #expect(memory.blockCount == (length - policy.local - policy.sinks) / policy.block)
        #expect(memory.fileReads > 0, "no block was read back from the offload file")
        // Only the top-k blocks were read: 2 blocks of 4 tokens per query and layer.
        #expect(memory.memoryTrace.allSatisfy { $0.values.allSatisfy { $0.allSatisfy { $0.count <= policy.topK * policy.block } } })
        // A query reads sinks, its window and fewer than a group plus a block awaiting formation.
        #expect(memory.denseTrace.values.allSatisfy { $0.count <= policy.sinks + policy.local + policy.block + policy.chunk })
        // Every layer formed every block, with `repr` representatives per query head.
        #expect(memory.representativeTrace.allSatisfy { $0.count == memory.blockCount })
        #expect(memory.representativeTrace.allSatisfy { $0.allSatisfy { $0.allSatisfy { $0.count == policy.repr } } })
    }

    @Test func onePrefillMatchesReference() throws {
        for name in ["llama-f32", "qwen3"] { try checkRecordedRun(model: name, chunks: [80], policy: Self.policy) }
        try checkRecordedRun(model: "llama-f32", chunks: [80], policy: Self.codeDefaults)
    }

    @Test func chunkedPrefillMatchesReference() throws {
        for name in ["llama-f32", "qwen3"] { try checkRecordedRun(model: name, chunks: [11, 1, 1, 6, 1], policy: Self.policy) }
        try checkRecordedRun(model: "qwen3", chunks: [11, 1, 1, 6, 1], policy: Self.codeDefaults)
    }

    @Test func streamedDecodingMatchesReference() throws {
        try checkRecordedRun(model: "llama-f32", chunks: [12] + Array(repeating: 1, count: 68), policy: Self.policy)
        // The code's own choices (shared blocks, mean representatives) and the paper's logit scores,
        // the unrotated query.
        let variant = InfLLMAttention(sinks: 2, local: 8, block: 4, repr: 2, topK: 2, cached: 1, chunk: 5,
                                      representativeScore: .dot, retrievalQuery: .raw, selection: .layer, blockScore: .mean)
        try checkRecordedRun(model: "qwen3", chunks: [12] + Array(repeating: 1, count: 68), policy: variant)
        try checkRecordedRun(model: "llama-f32", chunks: [11, 1, 1, 6, 1], policy: variant)
    }

    @Test func decodingReadsAtMostSinksLocalAwaitingAndSelectedBlocks() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let policy = Self.policy, length = 60
        let tokens = PolicyConformanceTests.tokens(length, vocabulary: model.configuration.vocabSize)
        let cache = model.makeCache(for: policy)
        let memory = try cache.prepareBlockMemory(policy, headCount: model.configuration.headCount)
        memory.recordsTrace = true
        _ = try model.forward(Array(tokens[0..<30]), cache: cache, policy: policy, logits: .last)
        for t in 30..<length { _ = try model.forward([tokens[t]], cache: cache, policy: policy, logits: .last) }
        for i in 30..<length {
            let dense = try #require(memory.denseTrace[i])
            // Sinks + window + fewer than a block awaiting formation (at distance local - 1).
            #expect(dense.count <= policy.sinks + policy.local + policy.block, "query \(i) read \(dense.count) dense tokens")
            #expect(dense.filter { !policy.isLocal(query: i, key: $0) && $0 >= policy.sinks }.count <= policy.block)
            for layer in 0..<model.configuration.layerCount {
                #expect(memory.memoryTrace[layer][i]?.allSatisfy { $0.count <= policy.topK * policy.block } == true)
            }
        }
    }

    @Test func checksumIsCRC32() {
        let text = Array("123456789".utf8), long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        #expect(CRC32.checksum(text, count: text.count) == 0xCBF4_3926)
        // Slicing-by-8 against the byte-wise definition, at every tail length.
        func bytewise(_ b: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for x in b { crc = CRC32.tables[Int((crc ^ UInt32(x)) & 0xFF)] ^ (crc >> 8) }
            return crc ^ 0xFFFF_FFFF
        }
        for n in [0, 1, 7, 8, 9, 15, 16, 1000] { #expect(CRC32.checksum(long, count: n) == bytewise(Array(long.prefix(n)))) }
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
