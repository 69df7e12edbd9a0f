/// Which rotated copy of the cached keys a segment of attention reads.
///
/// Every cache slot has a position `p`. The `.stored` keys are rotated at `p`; policies that
/// re-map key positions ask the cache to keep extra copies rotated at `p / G` or `p % c`.
public enum KeyChannel: Hashable, Sendable {
    /// Rotated at the slot's own position.
    case stored
    /// Rotated at floor(p / group) (Self-Extend's grouped attention).
    case grouped(Int)
    /// Rotated at p mod period (Dual Chunk Attention's intra-chunk positions).
    case modulo(Int)
    /// Rotated at position 0 (unrotated): a query at position d then sees every key at distance d.
    case fixed

    /// The RoPE position this channel uses for a key at position `p`.
    @inlinable
    public func keyPosition(_ p: Int) -> Int {
        switch self {
        case .stored: p
        case .grouped(let g): p / g
        case .modulo(let c): p % c
        case .fixed: 0
        }
    }
}

/// A run of consecutive cache slots that one query reads through one key channel, with the
/// position the query is rotated at for that run.
public struct AttentionSegment: Sendable, Equatable {
    public var slots: Range<Int>
    public var channel: KeyChannel
    public var queryPosition: Int
    /// When set, only the `topK` highest logits of this segment (per head) enter the softmax.
    public var topK: Int?
    /// Layers below this one skip the segment (LM-Infinite selects middle tokens in upper layers).
    public var fromLayer: Int

    public init(slots: Range<Int>, channel: KeyChannel = .stored, queryPosition: Int, topK: Int? = nil, fromLayer: Int = 0) {
        self.slots = slots
        self.channel = channel
        self.queryPosition = queryPosition
        self.topK = topK
        self.fromLayer = fromLayer
    }
}

/// A training-free attention method: which cached entries each query sees, at which relative
/// positions, and which entries the cache may drop.
///
/// A policy only decides; the model and its cache apply the decision. Each policy also states
/// its meaning as an `ExplicitAttention` over a whole sequence, which the reference forward pass
/// evaluates literally: the fast path must agree with it.
public protocol AttentionPolicy: Sendable, CustomStringConvertible {
    /// Extra rotated key copies the cache must keep (beyond `.stored`).
    var keyChannels: [KeyChannel] { get }

    /// The segments the query at `queryPosition` attends to. `slots` lists the cached positions
    /// (ascending), the query's own included.
    func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment]

    /// Multiplies the query's attention logits (1 unless the policy rescales them).
    func logitScale(queryPosition: Int) -> Float

    /// The positions the cache must still hold for queries at `nextPosition` and later; nil keeps all.
    func retainedPositions(nextPosition: Int) -> [Range<Int>]?

    /// The same attention pattern written out in full (absolute positions 0..<n).
    var explicitAttention: ExplicitAttention { get }

    /// How the cache stores keys and values for this policy (f32 unless wrapped by `storing(_:)`).
    var kvStorage: KVStorageType { get }
    /// The policy itself, without a storage wrapper.
    var base: AttentionPolicy { get }

    /// The mechanism that runs this policy's attention (segment plans unless the policy has its own).
    var executor: AttentionExecutor { get }

    /// Bytes of f32 keys and values the cache may keep in RAM before it moves them to scratch
    /// files (`DenseKVCache.residentLimit`); nil keeps them in RAM however long the input.
    var residentKVLimit: Int? { get }

    /// Whether what a query reads is chosen by scores (KV memories, infllm, reattention) rather
    /// than fixed by `segments` alone; `PolicyReach` measures only the latter.
    var selectsByContent: Bool { get }

    /// The same policy with its size keys chosen so that an `n`-token input stays inside its
    /// reach (used when the user gave no keys); nil when it has none to choose.
    func resized(forInputLength n: Int, trainingLength: Int) -> AttentionPolicy?
}

extension AttentionPolicy {
    public var kvStorage: KVStorageType { .f32 }
    public var base: AttentionPolicy { self }

    /// This policy with its cache stored as `type` (`--kv-type`); f32 returns the policy unchanged.
    public func storing(_ type: KVStorageType) -> AttentionPolicy {
        type == .f32 ? base : StoredAttention(policy: base, storage: type)
    }

    public var keyChannels: [KeyChannel] { [] }
    public var executor: AttentionExecutor { .plans }
    public var residentKVLimit: Int? { nil }
    public var selectsByContent: Bool { false }
    public func resized(forInputLength n: Int, trainingLength: Int) -> AttentionPolicy? { nil }
    public func logitScale(queryPosition: Int) -> Float { 1 }
    public func retainedPositions(nextPosition: Int) -> [Range<Int>]? { nil }
}

/// The positions held by the cache's slots, ascending; maps position ranges to slot ranges.
///
/// A forward pass sees the cache's positions followed by its own new ones, a contiguous run after
/// them: `init(cached:appending:)` keeps the two apart, so a decoding step does not copy the whole
/// cache's positions to look up a few slots.
public struct SlotPositions: Sendable {
    /// Positions of the slots already cached, ascending.
    private let cached: [Int]
    /// Positions of the slots that follow them (every one above the cached positions).
    private let appended: Range<Int>

    public init(_ positions: [Int]) { self.init(cached: positions, appending: 0..<0) }

    /// The cached positions followed by the contiguous run `appended` (above all of them).
    public init(cached: [Int], appending appended: Range<Int>) {
        self.cached = cached
        self.appended = appended
    }

    public var count: Int { cached.count + appended.count }

    /// Every slot's position, in slot order.
    public var positions: [Int] { cached + Array(appended) }

    /// The position held by `slot`.
    public func position(_ slot: Int) -> Int { slot < cached.count ? cached[slot] : appended.lowerBound + (slot - cached.count) }

    /// The slots whose positions fall in `range` (positions are ascending, so this is one run).
    public func slots(covering range: Range<Int>) -> Range<Int> {
        let lower = firstIndex(atLeast: range.lowerBound)
        let upper = firstIndex(atLeast: range.upperBound)
        return lower..<max(lower, upper)
    }

    public func slots(covering range: ClosedRange<Int>) -> Range<Int> {
        slots(covering: range.lowerBound..<(range.upperBound + 1))
    }

    private func firstIndex(atLeast value: Int) -> Int {
        if !appended.isEmpty && value >= appended.lowerBound { return cached.count + min(appended.count, value - appended.lowerBound) }
        var low = 0, high = cached.count
        while low < high {
            let mid = (low + high) / 2
            if cached[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
