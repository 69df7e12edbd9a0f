import Foundation

/// Which keys count as attention sinks and as the local window when measuring attention shares.
public struct AttentionShareRegions: Codable, Sendable, Equatable {
    /// Keys 0..<sinks are the "starting tokens" LM-Infinite and StreamingLLM single out.
    public var sinks: Int
    /// Keys j with i - j < localWindow (and j >= sinks) are local to query i.
    public var localWindow: Int

    public init(sinks: Int = 4, localWindow: Int) throws {
        guard sinks >= 0 else { throw AnalysisError.invalidParameter(name: "sinks", reason: "must be >= 0, got \(sinks)") }
        guard localWindow >= 1 else { throw AnalysisError.invalidParameter(name: "local-window", reason: "must be >= 1, got \(localWindow)") }
        self.sinks = sinks
        self.localWindow = localWindow
    }
}

/// Statistics of every attention row of one forward pass, flat over (layer, head, query).
public struct AttentionStatistics: Sendable {
    public let layerCount: Int
    public let headCount: Int
    public let queryCount: Int
    /// -sum p log p of each row, in nats: (layer, head, query).
    public internal(set) var entropy: [Float]
    /// The largest logit (scaled q.k, before softmax) of each row: (layer, head, query).
    public internal(set) var maxLogit: [Float]
    /// Attention mass on keys 0..<sinks: (layer, head, query).
    public internal(set) var sinkShare: [Float]
    /// Attention mass on the local window, sinks excluded: (layer, head, query).
    public internal(set) var localShare: [Float]

    init(layerCount: Int, headCount: Int, queryCount: Int) {
        self.layerCount = layerCount
        self.headCount = headCount
        self.queryCount = queryCount
        let zeros = [Float](repeating: 0, count: layerCount * headCount * queryCount)
        (entropy, maxLogit, sinkShare, localShare) = (zeros, zeros, zeros, zeros)
    }

    /// Flat index of (layer, head, query).
    @inline(__always)
    public func index(layer: Int, head: Int, query: Int) -> Int { (layer * headCount + head) * queryCount + query }

    /// Statistics of one softmax row.
    /// - Parameters: logits and probabilities of the keys in `keys` (same order), for query `query`.
    static func row(logits: UnsafeBufferPointer<Float>, probabilities: UnsafeBufferPointer<Float>, keys: UnsafeBufferPointer<Int>,
                    query: Int, regions: AttentionShareRegions) -> (entropy: Float, maxLogit: Float, sink: Float, local: Float) {
        var entropy = 0.0, sink = 0.0, local = 0.0
        var maxLogit = -Float.infinity
        for index in 0..<logits.count {
            let p = Double(probabilities[index]), key = keys[index]
            maxLogit = max(maxLogit, logits[index])
            if p > 0 { entropy -= p * Foundation.log(p) }
            if key < regions.sinks {
                sink += p
            } else if query - key < regions.localWindow && key <= query {
                local += p
            }
        }
        return (Float(max(0, entropy)), maxLogit, Float(sink), Float(local))
    }
}
