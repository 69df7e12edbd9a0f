import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// KIVI-style KV storage: dequantization error bounds, exact eviction, logits near f32, bytes per token.
@Suite(.serialized) struct KVQuantizationTests {
    /// (n, hd) pseudo-random values in [-scale, scale] with one outlier channel (channel 3 x 8).
    static func rows(_ n: Int, _ hd: Int, seed: UInt64) -> [Float] {
        var random = RandomSource(seed: seed)
        return (0..<(n * hd)).map { i in
            let u = Float(random.next() % 2001) / 1000 - 1
            return i % hd == 3 ? 8 * u : u
        }
    }

    func roundTrip(_ type: KVStorageType, keys: [Float], values: [Float], hd: Int) -> (keys: [Float], values: [Float], store: QuantizedHeadStore) {
        var store = QuantizedHeadStore(type: type, headDim: hd)
        let n = keys.count / hd
        keys.withUnsafeBufferPointer { k in values.withUnsafeBufferPointer { v in
            // In uneven pieces, as prefill chunks and decoding steps arrive.
            var t = 0
            for piece in [5, 1, 1, 9, 3].cycled(until: n) where t < n {
                let m = min(piece, n - t)
                store.append(keys: k.baseAddress! + t * hd, values: v.baseAddress! + t * hd, count: m)
                t += m
            }
        } }
        var outK = [Float](repeating: 0, count: n * hd), outV = outK
        outK.withUnsafeMutableBufferPointer { k in outV.withUnsafeMutableBufferPointer { v in
            store.materialize(keys: k.baseAddress!, values: v.baseAddress!)
        } }
        return (outK, outV, store)
    }

    @Test(arguments: [KVStorageType.Format.q8, .q4])
    func dequantizationErrorIsWithinHalfAStep(format: KVStorageType.Format) {
        let hd = 16, n = 40, group = 8
        let keys = Self.rows(n, hd, seed: 1), values = Self.rows(n, hd, seed: 2)
        let type = KVStorageType(format: format, residual: 0, group: group)
        let (k, v, _) = roundTrip(type, keys: keys, values: values, hd: hd)
        let levels = Float(type.maxCode)
        // Keys: per channel over each group of `group` tokens (the last, open group included).
        for start in stride(from: 0, to: n, by: group) {
            for d in 0..<hd {
                let column = (start..<min(n, start + group)).map { keys[$0 * hd + d] }
                let step = (column.max()! - column.min()!) / levels
                for t in start..<min(n, start + group) {
                    // Half a step, plus the f16 rounding of the group's minimum and step.
                    let bound = 0.5 * step * 1.3 + 1e-3 * abs(column.min()!) + 1e-6
                    #expect(abs(k[t * hd + d] - keys[t * hd + d]) <= bound, "key t=\(t) d=\(d)")
                }
            }
        }
        // Values: per token over groups of `group` channels.
        for t in 0..<n {
            for g in stride(from: 0, to: hd, by: group) {
                let row = (g..<(g + group)).map { values[t * hd + $0] }
                let step = (row.max()! - row.min()!) / levels
                for d in g..<(g + group) {
                    #expect(abs(v[t * hd + d] - values[t * hd + d]) <= 0.5 * step * 1.3 + 1e-3 * abs(row.min()!) + 1e-6)
                }
            }
        }
        // Per-channel keys: the outlier channel's range does not widen the others' steps.
        let ordinary = (0..<n).map { abs(k[$0 * hd] - keys[$0 * hd]) }.max()!
        #expect(ordinary <= 2 / levels, "channel 0 error \(ordinary) uses the outlier's range")
    }

    @Test func residualTokensStayExactAndF16RoundsToHalf() {
        let hd = 8, n = 50
        let keys = Self.rows(n, hd, seed: 3), values = Self.rows(n, hd, seed: 4)
        let (k, v, store) = roundTrip(KVStorageType(format: .q4, residual: 12, group: 8), keys: keys, values: values, hd: hd)
        #expect(store.tailCount >= 12 && store.tailCount < 12 + 8)
        let tail = store.tailCount * hd
        #expect(Array(k.suffix(tail)) == Array(keys.suffix(tail)))
        #expect(Array(v.suffix(tail)) == Array(values.suffix(tail)))
        #expect(Array(k.prefix(hd * 8)) != Array(keys.prefix(hd * 8)), "old tokens were not quantized")
        let (hk, _, _) = roundTrip(KVStorageType(format: .f16), keys: keys, values: values, hd: hd)
        #expect(zip(hk, keys).allSatisfy { abs($0 - $1) <= abs($1) / 2048 + 1e-7 })
    }

    @Test func evictionMovesCodesWithoutRequantizing() {
        let hd = 8, n = 45
        let keys = Self.rows(n, hd, seed: 5), values = Self.rows(n, hd, seed: 6)
        var (k, v, store) = roundTrip(KVStorageType(format: .q4, residual: 4, group: 8), keys: keys, values: values, hd: hd)
        let keep = [0, 3, 9, 10, 17, 30, 41, 44]
        let groupsBefore = store.keyParameters.count
        store.keep(keep)
        #expect(store.count == keep.count)
        #expect(store.keyParameters.count < groupsBefore, "unused key groups were kept")
        var outK = [Float](repeating: 0, count: keep.count * hd), outV = outK
        outK.withUnsafeMutableBufferPointer { a in outV.withUnsafeMutableBufferPointer { b in store.materialize(keys: a.baseAddress!, values: b.baseAddress!) } }
        let expectedK = keep.flatMap { k[($0 * hd)..<(($0 + 1) * hd)] }, expectedV = keep.flatMap { v[($0 * hd)..<(($0 + 1) * hd)] }
        #expect(outK == expectedK)
        #expect(outV == expectedV)
        k = []; v = []
    }

    /// A residual longer than the sequence quantizes nothing; a short one changes the logits.
    /// (Accuracy against f32 is measured on the trained demo model: KVQuantizationDemoTests.)
    @Test func residualLongerThanTheSequenceIsExact() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let tokens = PolicyConformanceTests.tokens(60, vocabulary: model.configuration.vocabSize)
        func run(_ p: AttentionPolicy) throws -> [[Float]] {
            let cache = model.makeCache(for: p)
            return try model.forward(Array(tokens[0..<20]), cache: cache, policy: p) + tokens[20...].map { try model.forward([$0], cache: cache, policy: p)[0] }
        }
        let exact = try run(FullAttention())
        #expect(try run(FullAttention().storing(KVStorageType(format: .q4, residual: 60, group: 8))) == exact)
        #expect(try run(FullAttention().storing(KVStorageType(format: .q4, residual: 8, group: 8))) != exact)
    }

    @Test func bytesPerTokenShrinkAsExpected() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let c = model.configuration, hd = c.headDim, heads = c.layerCount * c.kvHeadCount
        let tokens = PolicyConformanceTests.tokens(256, vocabulary: c.vocabSize)
        var measured: [KVStorageType.Format: Int] = [:]
        for format in [KVStorageType.Format.f32, .f16, .q8, .q4] {
            let policy = FullAttention().storing(KVStorageType(format: format, residual: 0, group: 16))
            let cache = model.makeCache(for: policy)
            _ = try model.forward(tokens, cache: cache, policy: policy, logits: .last)
            measured[format] = cache.bytesPerToken
        }
        // Per head and token: codes for k and v, 4-byte group index, f16 (min, step) per channel per
        // 16-token key group, f16 (min, step) per 16-channel value group.
        let valueGroups = (hd + 15) / 16
        let q8 = heads * (2 * hd + 4 + 2 * 2 * hd / 16 + 2 * 2 * valueGroups)
        let q4 = heads * (2 * ((hd + 1) / 2) + 4 + 2 * 2 * hd / 16 + 2 * 2 * valueGroups)
        #expect(measured[.f32] == heads * 2 * hd * 4)
        #expect(measured[.f16] == heads * (2 * hd * 2 + 4))
        #expect(measured[.q8] == q8)
        #expect(measured[.q4] == q4)
    }

    @Test func kvTypeParsing() throws {
        #expect(try KVStorageType(parsing: "q4:residual=0,group=64") == KVStorageType(format: .q4, residual: 0, group: 64))
        #expect(try KVStorageType(parsing: "f16").format == .f16)
        #expect(throws: EngineError.self) { try KVStorageType(parsing: "q3") }
        #expect(throws: EngineError.invalidOption(name: "kv-type q8", reason: "group must be >= 1, got 0")) { try KVStorageType(parsing: "q8:group=0") }
        #expect(throws: EngineError.self) { try KVStorageType(parsing: "f16:residual=4") }
        #expect(throws: EngineError.self) { try PolicyCatalog.attention("self-extend", trainingLength: 64, kvType: "q8") }
        let policy = try PolicyCatalog.attention("h2o:budget=32", trainingLength: 64, kvType: "q4")
        #expect(policy.kvStorage.format == .q4 && policy.base is H2OAttention)
    }
}
