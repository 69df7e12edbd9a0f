/// Dual Chunk Attention (ChunkLlama, An et al., 2024). Keys sit at positions p mod c, with
/// c = chunk - local. A query at i (position i mod c) sees its own chunk causally; the previous
/// chunk with the query at min(i mod c + c, chunk); older chunks with the query at min(2c - 1, chunk).
/// Every distance stays below `chunk`, inside the trained range.
public struct DualChunkAttention: AttentionPolicy {
    public let chunk: Int
    public let local: Int

    public init(chunk: Int, local: Int) {
        self.chunk = chunk
        self.local = local
    }

    public var description: String { "dca:chunk=\(chunk),local=\(local)" }

    /// Tokens per chunk.
    var period: Int { chunk - local }

    public var keyChannels: [KeyChannel] { [.modulo(period)] }

    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        let c = period, channel = KeyChannel.modulo(c)
        let chunkStart = (i / c) * c
        var result: [AttentionSegment] = []
        if chunkStart >= 2 * c {
            result.append(AttentionSegment(slots: slots.slots(covering: 0..<(chunkStart - c)), channel: channel,
                                           queryPosition: min(2 * c - 1, chunk)))
        }
        if chunkStart >= c {
            result.append(AttentionSegment(slots: slots.slots(covering: (chunkStart - c)..<chunkStart), channel: channel,
                                           queryPosition: min(i % c + c, chunk)))
        }
        result.append(AttentionSegment(slots: slots.slots(covering: chunkStart...i), channel: channel, queryPosition: i % c))
        return result
    }

    public var explicitAttention: ExplicitAttention {
        let c = period, chunk = chunk
        return ExplicitAttention(
            isVisible: { i, j in j <= i },
            positions: { i, j in
                let ci = i / c, cj = j / c
                if ci == cj { return (i % c, j % c) }
                if cj == ci - 1 { return (min(i % c + c, chunk), j % c) }
                return (min(2 * c - 1, chunk), j % c)
            })
    }
}
