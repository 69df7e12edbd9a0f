import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Caches past their resident limit move their keys and values to unlinked scratch files
/// (`FileBackedBuffer`): the contents survive every growth, and a policy reads the same numbers.
@Suite struct KVOffloadTests {
    /// Writes a distinct value at every (channel, layer, head, slot, channel element).
    static func fill(_ cache: DenseKVCache, slots: Range<Int>) {
        for (c, channel) in ([KeyChannel.stored, .fixed]).enumerated() {
            for layer in 0..<cache.layerCount {
                for head in 0..<cache.kvHeadCount {
                    let keys = cache.keyBase(layer: layer, head: head, channel: channel)
                    let values = cache.valueBase(layer: layer, head: head)
                    for slot in slots {
                        for d in 0..<cache.headDim {
                            let tag = Float(((c * 7 + layer) * 5 + head) * 100_000 + slot * cache.headDim + d)
                            keys[slot * cache.headDim + d] = tag
                            if c == 0 { values[slot * cache.headDim + d] = -tag }
                        }
                    }
                }
            }
        }
    }

    @Test func contentsSurviveGrowthIntoScratchFiles() throws {
        let cache = DenseKVCache(layerCount: 2, kvHeadCount: 3, headDim: 4, initialCapacity: 8, channels: [.fixed])
        cache.residentLimit = 3 * 2 * 3 * 32 * 4 * MemoryLayout<Float>.size  // room for 32 slots in RAM
        var written = 0
        for step in [5, 11, 16, 40, 200, 3] {  // in RAM, then past the limit into files, then grown there
            try cache.reserve(step)
            Self.fill(cache, slots: written..<(written + step))
            cache.commit(step)
            written += step
            cache.releaseCold(keepingLast: 4)
            #expect(cache.isOffloaded == (cache.capacity > 32), "capacity \(cache.capacity)")
        }
        let check = DenseKVCache(layerCount: 2, kvHeadCount: 3, headDim: 4, initialCapacity: written, channels: [.fixed])
        Self.fill(check, slots: 0..<written)
        for channel in [KeyChannel.stored, .fixed] {
            for layer in 0..<2 {
                for head in 0..<3 {
                    let n = written * 4
                    let got = Array(UnsafeBufferPointer(start: cache.keyBase(layer: layer, head: head, channel: channel), count: n))
                    let want = Array(UnsafeBufferPointer(start: check.keyBase(layer: layer, head: head, channel: channel), count: n))
                    #expect(got == want, "\(channel) layer \(layer) head \(head)")
                    let values = Array(UnsafeBufferPointer(start: cache.valueBase(layer: layer, head: head), count: n))
                    let wantValues = Array(UnsafeBufferPointer(start: check.valueBase(layer: layer, head: head), count: n))
                    #expect(values == wantValues)
                }
            }
        }
        #expect(cache.isOffloaded && written == 275)
    }

    /// `reattention:ram=0` keeps its cache in scratch files from the first token and gives the
    /// same logits, bit for bit, as the cache in RAM, in one prefill, chunked prefill and decoding.
    @Test(arguments: ["one prefill", "chunked prefill", "streamed decoding"])
    func reattentionReadsTheSameFromScratchFiles(mode: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let tokens = PolicyConformanceTests.tokens(70, vocabulary: model.configuration.vocabSize)
        let inRAM = ReAttentionPolicy(sinks: 2, local: 6, k: 5, refresh: 2, memory: 4, page: 4, pages: 2)
        let offloaded = ReAttentionPolicy(sinks: 2, local: 6, k: 5, refresh: 2, memory: 4, page: 4, pages: 2, ram: 0)
        let ramCache = model.makeCache(for: inRAM), fileCache = model.makeCache(for: offloaded)
        let expected = try forwardInPieces(tokens, mode: mode, model: model, cache: ramCache, policy: inRAM)
        let got = try forwardInPieces(tokens, mode: mode, model: model, cache: fileCache, policy: offloaded)
        #expect(!ramCache.isOffloaded && fileCache.isOffloaded)
        #expect(got == expected)
    }

    @Test func ramKeyIsParsedAndChecked() throws {
        let policy = try #require(try PolicyCatalog.attention("reattention:ram=64", trainingLength: 256) as? ReAttentionPolicy)
        #expect(policy.residentKVLimit == 64 << 20)
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("reattention:ram=-1", trainingLength: 256) }
    }
}
