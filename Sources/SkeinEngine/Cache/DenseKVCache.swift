/// Keys and values of past tokens for every layer: the model's attention memory.
///
/// Per layer, keys and values are stored (kvHeads, capacity, headDim) so one head's keys are
/// contiguous. Each slot records the position of its token. Keys are stored after RoPE at that
/// position (`.stored`); policies may ask for extra copies rotated at re-mapped positions
/// (`KeyChannel`). A policy may drop slots (`retain`), so slots and positions can differ.
public final class DenseKVCache {
    public let layerCount: Int
    public let kvHeadCount: Int
    public let headDim: Int
    /// Slots in use (the same for every layer once a forward pass completes).
    public internal(set) var count: Int = 0
    public private(set) var capacity: Int
    /// The position of each slot's token, ascending: (count).
    public private(set) var positions: [Int] = []
    /// Tokens seen so far, evicted ones included: the position of the next token.
    public private(set) var nextPosition: Int = 0
    private var _keyRope: RotaryEmbedding?
    /// Slots a policy may drop before the cache compacts them (compacting every step would cost
    /// as much as attention itself). Memory stays bounded by the policy's budget plus this.
    public var evictionBatch = 64
    private var buffers: [KeyChannel?: [UnsafeMutablePointer<Float>]] = [:]  // nil key = values; per layer

    public init(layerCount: Int, kvHeadCount: Int, headDim: Int, initialCapacity: Int = 256, channels: [KeyChannel] = []) {
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        capacity = max(1, initialCapacity)
        for key in [KeyChannel.stored, nil] + channels.map(Optional.some) where buffers[key] == nil {
            buffers[key] = (0..<layerCount).map { _ in .allocate(capacity: kvHeadCount * capacity * headDim) }
        }
    }

    deinit {
        for layers in buffers.values { layers.forEach { $0.deallocate() } }
    }

    /// The key channels kept (always includes `.stored`).
    public var channels: [KeyChannel] { buffers.keys.compactMap { $0 } }

    /// Adds a key channel; only possible while the cache is empty.
    public func addChannel(_ channel: KeyChannel) {
        guard buffers[channel] == nil else { return }
        precondition(count == 0, "key channels must be chosen before the first token")
        buffers[channel] = (0..<layerCount).map { _ in .allocate(capacity: kvHeadCount * capacity * headDim) }
    }

    /// Bytes held by keys, values and extra key channels (allocated capacity).
    public var byteCount: Int { buffers.count * layerCount * kvHeadCount * capacity * headDim * MemoryLayout<Float>.size }

    /// Bytes per cached token actually in use.
    public var bytesPerToken: Int { buffers.count * layerCount * kvHeadCount * headDim * MemoryLayout<Float>.size }

    /// Makes room for `additional` more tokens, growing geometrically.
    public func reserve(_ additional: Int) {
        let needed = count + additional
        guard needed > capacity else { return }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        for (key, layers) in buffers {
            buffers[key] = layers.map { old in
                let fresh = UnsafeMutablePointer<Float>.allocate(capacity: kvHeadCount * newCapacity * headDim)
                for h in 0..<kvHeadCount {
                    (fresh + h * newCapacity * headDim).update(from: old + h * capacity * headDim, count: count * headDim)
                }
                old.deallocate()
                return fresh
            }
        }
        capacity = newCapacity
    }

    /// First key of one layer's head in a channel; slot s is at offset s * headDim.
    public func keyBase(layer: Int, head: Int, channel: KeyChannel = .stored) -> UnsafeMutablePointer<Float> {
        buffers[channel]![layer] + head * capacity * headDim
    }

    /// First value of one layer's head; slot s is at offset s * headDim.
    public func valueBase(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        buffers[nil]![layer] + head * capacity * headDim
    }

    /// Records `n` more tokens after every layer has written them at slots count..<count+n.
    public func commit(_ n: Int) {
        precondition(count + n <= capacity)
        positions += (nextPosition..<(nextPosition + n))
        count += n
        nextPosition += n
    }

    /// Keeps only the slots whose positions fall in `ranges`, compacting every buffer in place.
    public func retain(positionsIn ranges: [Range<Int>]) {
        let keep = positions.indices.filter { s in ranges.contains { $0.contains(positions[s]) } }
        guard keep.count < count else { return }
        for layers in buffers.values {
            for base in layers {
                for h in 0..<kvHeadCount {
                    let head = base + h * capacity * headDim
                    for (target, source) in keep.enumerated() where target != source {
                        (head + target * headDim).update(from: head + source * headDim, count: headDim)
                    }
                }
            }
        }
        positions = keep.map { positions[$0] }
        count = keep.count
    }

    /// The per-head memory of a score-aware policy (nil for position-based policies).
    public internal(set) var memory: KVMemoryState?

    /// Moves one (layer, kv head)'s `entries` (ascending slot indices) to the front, in every buffer.
    func compact(layer: Int, head: Int, keeping entries: [Int]) {
        for layers in buffers.values {
            let base = layers[layer] + head * capacity * headDim
            for (target, source) in entries.enumerated() where target != source {
                (base + target * headDim).update(from: base + source * headDim, count: headDim)
            }
        }
    }

    /// Sets the slot count after every head was compacted to `newCount` entries.
    func setCount(_ newCount: Int, positions newPositions: [Int]) {
        count = newCount
        positions = newPositions
    }

    /// Replaces slot positions after their keys were moved (see `moveKeys`).
    func replacePositions(_ newPositions: [Int], nextPosition next: Int) {
        positions = newPositions
        nextPosition = next
    }

    /// Starts an empty cache at `position` instead of 0 (the next token gets that position).
    public func start(at position: Int) {
        precondition(count == 0 && position >= 0)
        nextPosition = position
    }

    /// The RoPE table the cached keys were rotated with (set by the model's forward pass).
    public internal(set) var keyRope: RotaryEmbedding? {
        get { _keyRope }
        set { _keyRope = newValue }
    }

    /// Drops every slot from `newCount` on (for rewinding a generation).
    public func truncate(to newCount: Int) {
        let kept = max(0, min(count, newCount))
        nextPosition = kept == count ? nextPosition : (kept == 0 ? 0 : positions[kept - 1] + 1)
        count = kept
        positions.removeSubrange(kept...)
    }
}

extension DenseKVCache {

    /// Drops the slots `policy` no longer needs once at least `evictionBatch` of them have gathered.
    public func evict(for policy: AttentionPolicy) {
        guard let ranges = policy.retainedPositions(nextPosition: nextPosition) else { return }
        let slots = SlotPositions(positions)
        let kept = ranges.reduce(0) { $0 + slots.slots(covering: $1.lowerBound..<min($1.upperBound, nextPosition)).count }
        if count - kept >= evictionBatch { retain(positionsIn: ranges) }
    }
}
