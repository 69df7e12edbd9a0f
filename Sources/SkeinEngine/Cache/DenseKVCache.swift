import SkeinTensor

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
    /// How keys and values are stored. Quantized types keep codes per (layer, head) in `stores`;
    /// the f32 buffers then hold one layer only, dequantized by `loadLayer` for its attention.
    public let storage: KVStorageType
    var buffers: [KeyChannel?: [UnsafeMutablePointer<Float>]] = [:]  // nil key = values; per layer
    /// Quantized storage: (layer, kvHead); empty for f32.
    var stores: [[QuantizedHeadStore]] = []
    /// Bytes the f32 buffers may hold in RAM; past it they move to unlinked scratch files
    /// (`FileBackedBuffer`) and only recent slots stay resident (`releaseCold`). nil: no limit.
    public var residentLimit: Int?
    /// The scratch files backing `buffers` once the cache outgrew `residentLimit` (same keys).
    private var files: [KeyChannel?: [FileBackedBuffer]] = [:]
    /// Whether the keys and values live in scratch files rather than in RAM.
    public var isOffloaded: Bool { !files.isEmpty }
    /// `count` at the last `releaseCold` that released.
    private var releasedAt = 0

    public init(layerCount: Int, kvHeadCount: Int, headDim: Int, initialCapacity: Int = 256, channels: [KeyChannel] = [],
                storage: KVStorageType = .f32) {
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.storage = storage
        capacity = max(1, initialCapacity)
        for key in [KeyChannel.stored, nil] + channels.map(Optional.some) where buffers[key] == nil {
            buffers[key] = (0..<bufferLayers).map { _ in .allocate(capacity: kvHeadCount * capacity * headDim) }
        }
        if storage.isQuantized {
            stores = (0..<layerCount).map { _ in (0..<kvHeadCount).map { _ in QuantizedHeadStore(type: storage, headDim: headDim) } }
        }
    }

    /// Layers the f32 buffers hold: all, or one scratch layer when quantized.
    private var bufferLayers: Int { storage.isQuantized ? 1 : layerCount }
    private func bufferIndex(_ layer: Int) -> Int { storage.isQuantized ? 0 : layer }

    /// Quantized storage: dequantizes `layer`'s held entries into the f32 buffers (slots 0..<count).
    func loadLayer(_ layer: Int) {
        guard storage.isQuantized else { return }
        Parallel.forEachRange(kvHeadCount) { heads in
            for head in heads {
                stores[layer][head].materialize(keys: keyBase(layer: layer, head: head), values: valueBase(layer: layer, head: head))
            }
        }
    }

    /// Quantized storage: appends the f32 keys and values just written at `slots` to `layer`'s stores.
    func storeLayer(_ layer: Int, slots: Range<Int>) {
        guard storage.isQuantized else { return }
        for head in 0..<kvHeadCount {
            stores[layer][head].append(keys: keyBase(layer: layer, head: head) + slots.lowerBound * headDim,
                                       values: valueBase(layer: layer, head: head) + slots.lowerBound * headDim,
                                       count: slots.count)
        }
    }

    deinit {
        if files.isEmpty { for layers in buffers.values { layers.forEach { $0.deallocate() } } }
    }

    /// The key channels kept (always includes `.stored`).
    public var channels: [KeyChannel] { buffers.keys.compactMap { $0 } }

    /// Adds a key channel; only possible while the cache is empty.
    public func addChannel(_ channel: KeyChannel) {
        guard buffers[channel] == nil else { return }
        precondition(count == 0, "key channels must be chosen before the first token")
        precondition(!storage.isQuantized, "quantized caches keep the stored key channel only")
        buffers[channel] = (0..<bufferLayers).map { _ in .allocate(capacity: kvHeadCount * capacity * headDim) }
    }

    /// Bytes held by keys, values and extra key channels (allocated capacity, plus quantized stores).
    public var byteCount: Int { buffers.count * bufferLayers * kvHeadCount * capacity * headDim * MemoryLayout<Float>.size + storedByteCount }

    /// Bytes of the quantized stores (codes, parameters, f32 residual); 0 for f32 storage.
    public var storedByteCount: Int { stores.reduce(0) { $0 + $1.reduce(0) { $0 + $1.byteCount } } }

    /// Bytes per cached token in use: for quantized storage, the stores' bytes over the tokens held
    /// (the one-layer f32 scratch is not counted).
    public var bytesPerToken: Int {
        if storage.isQuantized { return count == 0 ? 0 : storedByteCount / count }
        return buffers.count * layerCount * kvHeadCount * headDim * MemoryLayout<Float>.size
    }

    /// Makes room for `additional` more tokens, growing geometrically. Past `residentLimit` the
    /// buffers (grown or not) become scratch files, copied into a chunk at a time so the copy stays off the
    /// resident set.
    /// - Throws: `EngineError.offloadFailed` when a scratch file cannot be made.
    public func reserve(_ additional: Int) throws {
        var newCapacity = capacity
        while newCapacity < count + additional { newCapacity *= 2 }
        let floats = kvHeadCount * newCapacity * headDim
        let toFiles = isOffloaded || residentLimit.map { buffers.count * bufferLayers * floats * MemoryLayout<Float>.size > $0 } ?? false
        // Grow, or move to scratch files once the buffers outgrow the resident limit.
        guard newCapacity > capacity || toFiles != isOffloaded else { return }
        var grownFiles: [KeyChannel?: [FileBackedBuffer]] = [:]
        var grown: [KeyChannel?: [UnsafeMutablePointer<Float>]] = [:]
        for (key, layers) in buffers {
            let made = toFiles ? try layers.map { _ in try FileBackedBuffer(count: floats) } : []
            grownFiles[key] = made
            grown[key] = toFiles ? made.map(\.base) : layers.map { _ in .allocate(capacity: floats) }
        }
        let chunk = 1 << 20  // floats copied between releases of the resident pages
        for (key, layers) in buffers {
            for (layer, old) in layers.enumerated() {
                let fresh = grown[key]![layer]
                for h in 0..<kvHeadCount {
                    let total = count * headDim, from = h * capacity * headDim, to = h * newCapacity * headDim
                    var done = 0
                    while done < total {
                        let n = min(chunk, total - done)
                        (fresh + to + done).update(from: old + from + done, count: n)
                        if toFiles { grownFiles[key]![layer].release((to + done)..<(to + done + n)) }
                        if let source = files[key]?[layer] { source.release((from + done)..<(from + done + n)) }
                        done += n
                    }
                }
                if files.isEmpty { old.deallocate() }
            }
        }
        buffers = grown
        files = toFiles ? grownFiles : [:]
        capacity = newCapacity
    }

    /// Offloaded caches, once 256 slots were added since it last did: drops every slot but the last
    /// `hot` from the resident set, and ReAttention's
    /// spilled scores and page bounds (their data stays in the scratch files and is read back on
    /// use). Nothing to do in RAM.
    public func releaseCold(keepingLast hot: Int) {
        // Decoding steps reuse most of what the last ones read: release every 256 slots, not every step.
        guard isOffloaded, count > hot, count - releasedAt >= 256 || count < releasedAt else { return }
        releasedAt = count
        selection?.releaseResident()
        for layers in files.values {
            for file in layers {
                for h in 0..<kvHeadCount { file.release((h * capacity * headDim)..<((h * capacity + count - hot) * headDim)) }
            }
        }
    }

    /// First key of one layer's head in a channel; slot s is at offset s * headDim.
    public func keyBase(layer: Int, head: Int, channel: KeyChannel = .stored) -> UnsafeMutablePointer<Float> {
        buffers[channel]![bufferIndex(layer)] + head * capacity * headDim
    }

    /// First value of one layer's head; slot s is at offset s * headDim.
    public func valueBase(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        buffers[nil]![bufferIndex(layer)] + head * capacity * headDim
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
        for layer in stores.indices { for head in 0..<kvHeadCount { stores[layer][head].keep(keep) } }
        for layers in buffers.values where !storage.isQuantized {
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
    /// InfLLM's block memory and offload file (nil for other policies).
    public internal(set) var blockMemory: BlockMemory?
    /// ReAttention's accumulated selection scores and selections (nil for other policies).
    public internal(set) var selection: SelectionState?
    /// LongHeads' chunk representatives (nil for other policies).
    public internal(set) var longHeads: LongHeadsState?

    /// Creates InfLLM's block memory on first use.
    func prepareBlockMemory(_ policy: InfLLMAttention, headCount: Int) throws -> BlockMemory {
        if let blockMemory { return blockMemory }
        let created = try BlockMemory(policy: policy, layerCount: layerCount, headCount: headCount, kvHeadCount: kvHeadCount,
                                      headDim: headDim)
        blockMemory = created
        return created
    }

    /// Moves one (layer, kv head)'s `entries` (ascending slot indices) to the front, in every buffer.
    func compact(layer: Int, head: Int, keeping entries: [Int]) {
        if storage.isQuantized {
            stores[layer][head].keep(entries)
            return
        }
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

    /// A hybrid model's sliding layers and the RoPE their keys were rotated with, when it is not
    /// `keyRope` (Gemma 3's local base); set by the model's forward pass.
    public internal(set) var slidingKeyRope: (rope: RotaryEmbedding, isSliding: [Bool])?

    /// Drops every slot from `newCount` on (for rewinding a generation).
    public func truncate(to newCount: Int) {
        let kept = max(0, min(count, newCount))
        for layer in stores.indices { for head in 0..<kvHeadCount { stores[layer][head].keep(Array(0..<kept)) } }
        // Per-head memories drop the same slots; evicted entries are not restored (a rewind past an
        // eviction keeps what survived), and InfLLM blocks already formed stay in the block memory.
        if let memory {
            for layer in 0..<layerCount {
                for head in 0..<kvHeadCount {
                    memory.positions[layer][head].removeSubrange(min(kept, memory.positions[layer][head].count)...)
                    memory.scores[layer][head].removeSubrange(min(kept, memory.scores[layer][head].count)...)
                    if !memory.hidden[layer][head].isEmpty {  // a rewound position may be written again
                        memory.hidden[layer][head].formIntersection(memory.positions[layer][head])
                    }
                    memory.pageMinimum[layer][head] = []  // recomputed from the kept keys on the next pass
                    memory.pageMaximum[layer][head] = []
                }
                memory.anchors[layer] = nil
            }
        }
        if kept < count { selection?.reset() }
        if kept < count { longHeads?.rewind(to: kept == 0 ? 0 : positions[kept - 1] + 1, headDim: headDim) }
        nextPosition = kept == count ? nextPosition : (kept == 0 ? 0 : positions[kept - 1] + 1)
        count = kept
        positions.removeSubrange(kept...)
    }
}

extension DenseKVCache {

    /// Drops the slots `policy` no longer needs once at least `evictionBatch` of them have gathered.
    /// - Parameter window: a hybrid model's sliding-layer window, whose last tokens stay as well.
    public func evict(for policy: AttentionPolicy, keepingLast window: Int? = nil) {
        guard var ranges = policy.retainedPositions(nextPosition: nextPosition) else { return }
        if let window { ranges.append(max(0, nextPosition - window)..<nextPosition) }
        let slots = SlotPositions(positions)
        let kept = ranges.reduce(0) { $0 + slots.slots(covering: $1.lowerBound..<min($1.upperBound, nextPosition)).count }
        if count - kept >= evictionBatch { retain(positionsIn: ranges) }
    }
}
