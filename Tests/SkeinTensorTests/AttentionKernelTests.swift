import Testing
@testable import SkeinTensor

/// The online-softmax attention kernel at every level against a plain two-pass softmax attention
/// in double precision, over several segments that carry one state (as Self-Extend and DCA plans do).
@Suite(.serialized) struct AttentionKernelTests {
    /// One run of cached slots read with its own rotated query and scale.
    struct Segment {
        var query: [Float]   // (queries, hd)
        var keys: [Float]    // (count, hd)
        var values: [Float]  // (count, hd)
        var count: Int
        var scale: Float
    }

    /// Scores of every segment, one softmax over all of them (-infinity weighs 0, all -infinity
    /// gives zeros), then the values they weigh; in double. Returns (queries, hd).
    static func reference(_ segments: [Segment], queries: Int, hd: Int) -> [Double] {
        (0..<queries).flatMap { i -> [Double] in
            var scores: [Double] = [], rows: [[Float]] = []
            for s in segments {
                for j in 0..<s.count {
                    let dot = (0..<hd).reduce(0.0) { $0 + Double(s.query[i * hd + $1]) * Double(s.keys[j * hd + $1]) }
                    scores.append(dot * Double(s.scale))
                    rows.append(Array(s.values[(j * hd)..<((j + 1) * hd)]))
                }
            }
            guard let m = scores.max(), m > -.infinity else { return [Double](repeating: 0, count: hd) }
            let e = scores.map { $0 == -.infinity ? 0 : Foundation.exp($0 - m) }
            let sum = e.reduce(0, +)
            var out = [Double](repeating: 0, count: hd)
            for (p, v) in zip(e, rows) { for d in 0..<hd { out[d] += p / sum * Double(v[d]) } }
            return out
        }
    }

    /// The kernel: begin, every segment folded in, finish. Returns (queries, hd).
    static func online(_ segments: [Segment], queries: Int, hd: Int) -> [Float] {
        var states = [AttentionState](repeating: AttentionState(), count: max(1, queries))
        var out = [Float](repeating: .nan, count: queries * hd)
        out.withUnsafeMutableBufferPointer { o in
            VectorMath.beginAttention(states: &states, accumulators: o.baseAddress!, queries: queries, headDim: hd)
            for s in segments {
                VectorMath.attendOnline(s.query, queries: queries, keys: s.keys, values: s.values, count: s.count,
                                        headDim: hd, scale: s.scale, states: &states, accumulators: o.baseAddress!)
            }
            VectorMath.finishAttention(states: states, accumulators: o.baseAddress!, queries: queries, headDim: hd,
                                       into: o.baseAddress!)
        }
        return out
    }

    enum Keys { case random, rising, minusInfinity }

    /// A segment of `count` slots. `rising` keys make later tiles score higher (the running maximum
    /// grows tile after tile); `minusInfinity` keys with a positive query score -infinity.
    static func segment(count: Int, queries: Int, hd: Int, keys: Keys, seed: UInt64) -> Segment {
        var q = KernelTests.random(queries * hd, seed: seed).map { $0 * 2 }
        var k = KernelTests.random(count * hd, seed: seed + 1)
        switch keys {
        case .random: break
        case .rising: k = k.enumerated().map { i, x in abs(x) * Float(1 + i / hd) / 1000 }; q = q.map(abs)
        case .minusInfinity: k = [Float](repeating: -.infinity, count: count * hd); q = q.map { abs($0) + 0.1 }
        }
        return Segment(query: q, keys: k, values: KernelTests.random(count * hd, seed: seed + 2), count: count,
                       scale: 1 / Float(hd).squareRoot())
    }

    /// (segment sizes and kinds): empty, one slot, partial tiles, several segments, a segment (or
    /// all of them) scoring -infinity.
    static let plans: [[(Int, Keys)]] = [
        [], [(0, .random)], [(1, .random)], [(127, .random)], [(300, .random)], [(1000, .rising)],
        [(129, .random), (1, .random), (257, .rising)], [(77, .random), (50, .minusInfinity), (130, .random)],
        [(50, .minusInfinity)], [(40, .minusInfinity), (3, .minusInfinity)],
    ]

    // Head sizes: AVX-512 (64, 80, 128), AVX2 only (72), plain C only (20).
    @Test(arguments: [64, 80, 128, 72, 20])
    func onlineAttentionMatchesTwoPassReference(hd: Int) {
        defer { MatMul.setKernelLevel("avx512") }
        for (p, plan) in Self.plans.enumerated() {
            for queries in [1, 3] {
                let segments = plan.enumerated().map { s, part in
                    Self.segment(count: part.0, queries: queries, hd: hd, keys: part.1, seed: UInt64(100 * p + 10 * s))
                }
                let exact = Self.reference(segments, queries: queries, hd: hd)
                for level in KernelTests.levels {
                    MatMul.setKernelLevel(level)
                    let out = Self.online(segments, queries: queries, hd: hd)
                    let worst = zip(out, exact).map { abs(Double($0) - $1) }.max() ?? 0
                    #expect(worst < 2e-6, "\(level) hd \(hd) plan \(plan.map(\.0)) queries \(queries): \(worst)")
                    // Each query alone gives the same bits as in the group.
                    for i in 0..<queries {
                        let alone = segments.map { s in
                            Segment(query: Array(s.query[(i * hd)..<((i + 1) * hd)]), keys: s.keys, values: s.values,
                                    count: s.count, scale: s.scale)
                        }
                        #expect(Self.online(alone, queries: 1, hd: hd) == Array(out[(i * hd)..<((i + 1) * hd)]),
                                "\(level) hd \(hd) query \(i) alone")
                    }
                }
            }
        }
    }

    @Test func everyScoreMinusInfinityGivesZerosLikeSoftmax() {
        defer { MatMul.setKernelLevel("avx512") }
        let hd = 64
        let segments = [Self.segment(count: 33, queries: 2, hd: hd, keys: .minusInfinity, seed: 5)]
        for level in KernelTests.levels {
            MatMul.setKernelLevel(level)
            #expect(Self.online(segments, queries: 2, hd: hd) == [Float](repeating: 0, count: 2 * hd), "\(level)")
            var scores = [Float](repeating: -.infinity, count: 33)
            scores.withUnsafeMutableBufferPointer { VectorMath.softmax($0.baseAddress!, 33) }
            #expect(scores.allSatisfy { $0 == 0 }, "\(level) softmax")
        }
    }
}

import Foundation
