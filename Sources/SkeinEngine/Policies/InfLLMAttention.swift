/// InfLLM (Xiao et al., 2024): attention sinks + a local window + a block memory.
///
/// Tokens that fall out of the local window are grouped into blocks of `block` tokens. Each block
/// keeps `repr` representative keys (the tokens that received the most attention while they were
/// in the local window) in RAM; the full block goes to an offload file. Each forward pass (a
/// prefill chunk or a decoding step) scores every block by its representative keys against the
/// pass's mean query (per group of `chunk` queries), per layer summed over heads, and reads the `topk` best blocks through an
/// LRU of `cached` hot blocks. Sinks and memory tokens are read at distance `local` (sinks closer
/// than that at their true distance); local tokens at their true positions.
public struct InfLLMAttention: AttentionPolicy {
    public var executor: AttentionExecutor { .blocks(self) }
    public let sinks: Int
    public let local: Int
    public let block: Int
    public let repr: Int
    public let topK: Int
    public let cached: Int
    /// Queries per retrieval: a forward pass of more rows retrieves once per group of `chunk` rows.
    public let chunk: Int

    public init(sinks: Int = 4, local: Int, block: Int, repr: Int = 4, topK: Int, cached: Int, chunk: Int = 512) {
        self.chunk = chunk
        self.sinks = sinks
        self.local = local
        self.block = block
        self.repr = min(repr, block)
        self.topK = topK
        self.cached = cached
    }

    public var description: String {
        "infllm:sinks=\(sinks),local=\(local),block=\(block),repr=\(repr),topk=\(topK),cached=\(cached),chunk=\(chunk)"
    }

    /// Unrotated keys: memory blocks are read at one fixed distance.
    public var keyChannels: [KeyChannel] { [.fixed] }

    /// Blocks (or tokens) are retrieved by score.
    public var selectsByContent: Bool { true }

    /// Without the block memory (what the dense cache alone holds): sinks and everything newer.
    public func segments(queryPosition i: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: slots.slots(covering: 0...i), queryPosition: i)]
    }

    /// Content-dependent: the explicit form comes from a recorded run (`BlockMemory.explicitAttention`).
    public var explicitAttention: ExplicitAttention { .causal }

    /// The blocks (position ranges) that can leave the dense cache once `nextPosition` tokens were
    /// seen, given that positions below `formedUpTo` already did: whole blocks at least `local`
    /// tokens behind the next query.
    public func blocksToForm(formedUpTo: Int, nextPosition: Int) -> [Range<Int>] {
        var start = max(formedUpTo, sinks), result: [Range<Int>] = []
        while start + block <= nextPosition - local {
            result.append(start..<(start + block))
            start += block
        }
        return result
    }

    /// The positions whose query reads sink `j` from query `i`: its true distance up to `local`.
    public func sinkQueryPosition(query i: Int, sink j: Int) -> Int { j + min(i - j, local) }
}
