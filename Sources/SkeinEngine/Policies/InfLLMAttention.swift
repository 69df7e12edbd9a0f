/// InfLLM (Xiao et al., 2024; thunlp/InfLLM): attention sinks + a sliding local window + a block memory.
///
/// Each query reads the `local` most recent tokens at their true distances and everything else it
/// reads at one distance, `local - 1` (the farthest local distance): the sinks, the `topK` memory
/// blocks retrieved for its group of `chunk` queries, and the few tokens that left its window but
/// do not yet fill a block. Tokens leave the dense cache in blocks of `block` once a block is
/// `local` tokens behind the next query. A block is represented, per query head, by the `repr`
/// tokens that received the most attention from that head while they were local (unrotated keys).
/// A group's blocks are ranked with its mean query rotated at `local - 1`: by default each head
/// ranks by its best representative and reads its own top k (`select=head,score=max`); the code's
/// choice, `select=layer,score=mean`, sums the heads' q_h . mean(r_h) and shares the blocks.
/// Full blocks go to an offload file, with an LRU of `cached` hot blocks.
public struct InfLLMAttention: AttentionPolicy {
    public var executor: AttentionExecutor { .blocks(self) }

    /// What ranks a block's tokens when its representatives are chosen.
    public enum RepresentativeScore: String, Sendable {
        /// The attention probability each token received from the queries of its local window
        /// (thunlp/InfLLM's code: the local stage's softmax, summed over queries, per head).
        case attention
        /// The mean attention logit q . k / sqrt(d) over those queries (the paper's r_m, eq. 2).
        case dot
    }

    /// How the group's mean query meets the representatives when blocks are ranked.
    public enum RetrievalQuery: String, Sendable {
        /// Rotated at `local - 1` against unrotated keys, as memory is then read (paper and code).
        case rotated
        /// Unrotated query against unrotated keys (ReAttention's scoring; a deviation).
        case raw
    }

    /// How a head's representatives make its term of a block's relevance.
    public enum BlockScore: String, Sendable {
        /// q_h . mean(r_h): the representatives' mean key (the code; the paper's sum, up to a factor).
        case mean
        /// max over the representatives of q_h . r (a deviation: the best-matching token decides).
        case max
    }

    /// Who shares a retrieval.
    public enum Selection: String, Sendable {
        /// All heads of a layer read the same blocks (the paper; the code's default).
        case layer
        /// Each query head ranks blocks by its own term and reads its own top k (the code's
        /// `perhead=True`, "for research use").
        case head
    }

    public let sinks: Int
    public let local: Int
    public let block: Int
    public let repr: Int
    public let topK: Int
    public let cached: Int
    /// Queries per retrieval (the code's `exc_block_size`): a forward pass of more rows retrieves,
    /// and forms blocks, once per group of `chunk` rows.
    public let chunk: Int
    public let representativeScore: RepresentativeScore
    public let retrievalQuery: RetrievalQuery
    public let selection: Selection
    public let blockScore: BlockScore

    public init(sinks: Int = 4, local: Int, block: Int, repr: Int = 4, topK: Int, cached: Int, chunk: Int? = nil,
                representativeScore: RepresentativeScore = .attention, retrievalQuery: RetrievalQuery = .rotated,
                selection: Selection = .head, blockScore: BlockScore = .max) {
        self.sinks = sinks
        self.local = max(1, local)
        self.block = block
        self.repr = min(repr, block)
        self.topK = topK
        self.cached = cached
        self.chunk = max(1, chunk ?? Self.defaultChunk(local: local))
        self.representativeScore = representativeScore
        self.retrievalQuery = retrievalQuery
        self.selection = selection
        self.blockScore = blockScore
    }

    /// Keys kept per query head and block in the representative file: their mean, or each of them.
    public var representativeVectors: Int { blockScore == .mean ? 1 : repr }

    /// The code's ratio: `exc_block_size` 512 against `n_local` 2048-4096 (and never above it).
    public static func defaultChunk(local: Int) -> Int { max(1, local / 4) }

    public var description: String {
        var text = "infllm:sinks=\(sinks),local=\(local),block=\(block),repr=\(repr),topk=\(topK),cached=\(cached),chunk=\(chunk)"
        if representativeScore != .attention { text += ",represent=\(representativeScore.rawValue)" }
        text += ",select=\(selection.rawValue),score=\(blockScore.rawValue)"
        if retrievalQuery != .rotated { text += ",query=\(retrievalQuery.rawValue)" }
        return text
    }

    /// The distance at which everything outside the local window is read.
    public var farDistance: Int { local - 1 }

    /// Unrotated keys: memory blocks, and dense tokens outside the window, are read at one distance.
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

    /// Whether query `i` reads key `j` inside its local window (at the true distance).
    public func isLocal(query i: Int, key j: Int) -> Bool { i - j < local }

    /// The position query `i` takes when it reads key `j` (held at position `j`): its own inside
    /// the window, `j + local - 1` outside it (sinks, memory blocks, tokens awaiting a block).
    public func queryPosition(query i: Int, key j: Int) -> Int { isLocal(query: i, key: j) ? i : j + farDistance }
}
