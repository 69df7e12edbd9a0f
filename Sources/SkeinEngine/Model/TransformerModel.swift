import Foundation
import SkeinFormats
import SkeinTensor

/// Which positions of a forward pass produce logits.
public enum LogitRows: Sendable {
    case all
    case last
}

/// A Llama-family decoder (llama, mistral, qwen2, qwen3, phi3) with f32 compute.
///
/// The fast path: chunked prefill and incremental decoding against a `DenseKVCache`.
/// `ReferenceForward` is the plain oracle it is tested against.
public final class TransformerModel: @unchecked Sendable {
    public let configuration: ModelConfiguration
    public let weights: ModelWeights
    public let ropeLayout: RopeLayout

    public init(configuration: ModelConfiguration, weights: ModelWeights, ropeLayout: RopeLayout = .rotateHalf) {
        self.configuration = configuration
        self.weights = weights
        self.ropeLayout = ropeLayout
    }

    /// Loads a Hugging Face model folder (config.json + safetensors).
    public static func load(directory: URL) throws -> TransformerModel {
        let configuration = try ModelConfiguration.load(directory: directory)
        let store = try WeightStore(directory: directory)
        let weights = try WeightLoader.load(store, configuration: configuration)
        return TransformerModel(configuration: configuration, weights: weights)
    }

    /// An empty cache for the model's default policy.
    public func makeCache(initialCapacity: Int = 256) -> DenseKVCache {
        makeCache(for: defaultPolicy, initialCapacity: initialCapacity)
    }

    /// The rotary embedding in force when the sequence reaches `sequenceLength` tokens.
    public func rotaryEmbedding(sequenceLength: Int) throws -> RotaryEmbedding {
        RotaryEmbedding(frequencies: try RopeFrequencies(configuration: configuration, sequenceLength: sequenceLength),
                        layout: ropeLayout)
    }

    /// The rotary embedding of a hybrid model's sliding layers: their own unscaled base where the
    /// configuration gives one (Gemma 3), else `global`.
    public func slidingRotaryEmbedding(global: RotaryEmbedding) throws -> RotaryEmbedding {
        let c = configuration
        guard let base = c.slidingRopeTheta, c.hybridLayers != nil else { return global }
        return RotaryEmbedding(frequencies: try RopeFrequencies(base: base, rotaryDim: c.rotaryDim, scaling: nil,
                                                                maxPositionEmbeddings: c.maxPositionEmbeddings,
                                                                originalMaxPositionEmbeddings: nil, sequenceLength: 1),
                               layout: ropeLayout)
    }

    /// The sliding layers and their RoPE, when it differs from `global` (what a cache records).
    func slidingKeyRope(global: RotaryEmbedding) throws -> (rope: RotaryEmbedding, isSliding: [Bool])? {
        let local = try slidingRotaryEmbedding(global: global)
        guard let hybrid = configuration.hybridLayers, local.frequencies != global.frequencies else { return nil }
        return (local, hybrid.isSliding)
    }

    /// Checks token ids against the vocabulary.
    func validate(_ tokens: [Int]) throws {
        guard !tokens.isEmpty else { throw EngineError.emptyInput }
        for id in tokens where id < 0 || id >= configuration.vocabSize {
            throw EngineError.tokenOutOfRange(id: id, vocabularySize: configuration.vocabSize)
        }
    }

    /// The attention the checkpoint was trained with: full, or its configured sliding window.
    public var defaultPolicy: AttentionPolicy {
        configuration.slidingWindow.map { WindowAttention(size: $0) } ?? FullAttention()
    }

    /// The attention policy `attention` names (a `--attention` spelling) for this model, storing
    /// its cache as `kvType` says. Plain "full" on a sliding-window checkpoint keeps its window.
    /// Given the `inputLength` it will run on, a policy named without keys whose defaults would not
    /// reach that far is sized for it (`sizedAttentionPolicy`).
    public func attentionPolicy(_ attention: String, kvType: String = "f32", inputLength: Int? = nil) throws -> AttentionPolicy {
        if let n = inputLength, let sized = try sizedAttentionPolicy(attention, kvType: kvType, inputLength: n) { return sized }
        if attention == "full" && configuration.slidingWindow != nil {
            return defaultPolicy.storing(try KVStorageType(parsing: kvType))
        }
        return try PolicyCatalog.attention(attention, trainingLength: trainingLength, kvType: kvType)
    }

    /// The policy `attention` names, sized for an `n`-token input (`AttentionPolicy.resized`:
    /// self-extend's group) when it was named without keys and its defaults would not keep that
    /// input inside the training length; nil when nothing was sized.
    public func sizedAttentionPolicy(_ attention: String, kvType: String = "f32", inputLength n: Int) throws -> AttentionPolicy? {
        guard n > trainingLength, !attention.contains(":"), !(attention == "full" && configuration.slidingWindow != nil) else { return nil }
        let policy = try PolicyCatalog.attention(attention, trainingLength: trainingLength, kvType: kvType)
        guard !policy.selectsByContent, PolicyReach.lastQuery(of: policy, length: n).distance >= trainingLength else { return nil }
        return policy.resized(forInputLength: n, trainingLength: trainingLength)
    }

    /// The context length the model was trained on (before any RoPE scaling).
    public var trainingLength: Int {
        configuration.originalMaxPositionEmbeddings ?? configuration.maxPositionEmbeddings
    }

    /// An empty cache with the key channels `policy` needs.
    public func makeCache(for policy: AttentionPolicy, initialCapacity: Int = 256) -> DenseKVCache {
        DenseKVCache(layerCount: configuration.layerCount, kvHeadCount: configuration.kvHeadCount,
                     headDim: configuration.headDim, initialCapacity: initialCapacity, channels: policy.keyChannels,
                     storage: policy.kvStorage)
    }

    /// Runs `tokens` after what `cache` holds, appends their keys and values, and returns logits:
    /// one row of `vocabSize` per input token (`.all`) or for the last one only (`.last`).
    ///
    /// - Parameter policy: which cached tokens each query sees and at which positions
    ///   (the model's `defaultPolicy` when nil). Use the same policy for a whole sequence.
    public func forward(_ tokens: [Int], cache: DenseKVCache, policy: AttentionPolicy? = nil,
                        logits rows: LogitRows = .all) throws -> [[Float]] {
        try forward(batch: [BatchEntry(tokens: tokens, cache: cache, policy: policy ?? defaultPolicy, logits: rows)])[0]
    }

    /// Runs several sequences in one pass: their rows share every matrix product (the weights are
    /// read once), and each attends over its own cache under its own policy. Returns each entry's
    /// logits as `forward(_:cache:policy:logits:)` would.
    public func forward(batch: [BatchEntry]) throws -> [[[Float]]] {
        guard Set(batch.map { ObjectIdentifier($0.cache) }).count == batch.count else {
            throw EngineError.invalidOption(name: "batch", reason: "each entry needs its own cache")
        }
        let c = configuration
        let hd = c.headDim
        let qDim = c.headCount * hd, kvDim = c.kvHeadCount * hd
        var n = 0
        let steps = try batch.map { entry in
            defer { n += entry.tokens.count }
            return try prepare(entry, firstRow: n)
        }

        // Scratch, all row-major with one row per input token of every entry.
        var x = embed(steps.flatMap(\.tokens))                     // (n, hidden) residual stream
        var scratch = LayerScratch(rows: n, configuration: c)
        var q = [Float](repeating: 0, count: n * qDim)              // (n, heads * hd), before RoPE
        var k = [Float](repeating: 0, count: n * kvDim)             // (n, kvHeads * hd), before RoPE
        var v = [Float](repeating: 0, count: n * kvDim)             // (n, kvHeads * hd)
        var attention = [Float](repeating: 0, count: n * qDim)      // (n, heads * hd)

        for (layerIndex, layer) in weights.layers.enumerated() {
            attentionInputs(layer, x: x, rows: n, scratch: &scratch, q: &q, k: &k, v: &v)
            for step in steps {
                step.cache.loadLayer(layerIndex)
                step.writeKeysAndValues(k, v, layer: layerIndex, kvDim: kvDim, headDim: hd, sliding: c.isSlidingLayer(layerIndex))
                let rows = step.rows
                var out = [Float](repeating: 0, count: rows.count * qDim)
                try step.attend(rawQueries: Array(q[(rows.lowerBound * qDim)..<(rows.upperBound * qDim)]),
                                layer: layerIndex, configuration: c, into: &out)
                attention.replaceSubrange((rows.lowerBound * qDim)..<(rows.upperBound * qDim), with: out)
                step.cache.storeLayer(layerIndex, slots: step.firstSlot..<(step.firstSlot + rows.count))
            }
            finishLayer(layer, attention: attention, rows: n, x: &x, scratch: &scratch)
        }
        // Final norm and LM head over just the rows that want logits (all rows when a policy
        // scores tokens by their surprisal).
        let wanted = steps.map { $0.logits == .last && !$0.needsAllLogits ? [$0.rows.upperBound - 1] : Array($0.rows) }
        let all = logits(from: x, rows: wanted.flatMap { $0 })
        var next = 0
        var results: [[[Float]]] = []
        for (step, rows) in zip(steps, wanted) {
            var result = Array(all[next..<(next + rows.count)])
            next += rows.count
            step.cache.commit(step.tokens.count)
            step.cache.releaseCold(keepingLast: 1024)
            if let memoryPolicy = step.memoryPolicy, let memory = step.memory {
                if step.needsAllLogits {
                    memory.recordSurprisal(tokens: step.tokens, logits: result)
                    if step.logits == .last { result = [result[result.count - 1]] }
                }
                step.cache.applyMemory(memoryPolicy, rows: step.tokens.count)
            } else {
                if let blockMemory = step.blockMemory { try blockMemory.absorb(step.cache) }
                step.cache.evict(for: step.policy, keepingLast: configuration.hybridLayers?.window)
            }
            results.append(result)
        }
        return results
    }

    /// Checks an entry and gets its cache ready: key channels, RoPE table, room, attention plans.
    private func prepare(_ entry: BatchEntry, firstRow: Int) throws -> BatchStep {
        try validate(entry.tokens)
        let cache = entry.cache, policy = entry.policy.base, n = entry.tokens.count
        if cache.storage.isQuantized, !policy.keyChannels.isEmpty {
            throw EngineError.invalidOption(name: "kv-type", reason: "\(cache.storage) cannot hold the extra key channels \(policy) needs")
        }
        for channel in policy.keyChannels where !cache.channels.contains(channel) {
            guard cache.count == 0 else {
                throw EngineError.invalidOption(name: "attention", reason: "\(policy) needs a cache made for it (makeCache(for:))")
            }
            cache.addChannel(channel)
        }
        try checkSupported(policy)
        let start = cache.nextPosition
        let rope = try rotaryEmbedding(sequenceLength: start + n)
        if let previous = cache.keyRope, previous.frequencies != rope.frequencies, cache.count > 0 {
            guard !cache.storage.isQuantized && cache.memory == nil else {
                throw EngineError.invalidOption(name: "rope", reason: "length-dependent RoPE scaling needs an f32 cache and a position-based policy")
            }
            // Length-dependent scalings changed their table: move the cached keys onto the new one.
            cache.rerotateKeys(from: previous, to: rope)
        }
        cache.keyRope = rope
        cache.slidingKeyRope = try slidingKeyRope(global: rope)
        cache.residentLimit = policy.residentKVLimit
        try cache.reserve(n)
        // The policy's executor, with the state it keeps in the cache: chosen once, here.
        let prepared: PreparedExecutor
        switch policy.executor {
        case .plans: prepared = .plans
        case .scoredMemory(let memoryPolicy): prepared = .scoredMemory(memoryPolicy, cache.prepareMemory(headCount: configuration.headCount))
        case .blocks(let blocks): prepared = .blocks(try cache.prepareBlockMemory(blocks, headCount: configuration.headCount))
        case .selection(let selection): prepared = .selection(selection, cache.prepareSelection(headCount: configuration.headCount))
        case .chunkHeads(let longHeads): prepared = .chunkHeads(longHeads, cache.prepareLongHeads(longHeads, headCount: configuration.headCount))
        }
        let queryTables = policy.executor.isScoredMemory ? (0..<n).map { rope.table(position: start + $0) } : []
        let plans = policy.executor.usesPlans ? PolicyAttention.plans(policy: policy, firstPosition: start, rows: n,
                                          slots: SlotPositions(cached: cache.positions, appending: start..<(start + n)), rope: rope) : []
        let localRope = try slidingRotaryEmbedding(global: rope)
        let localPlans = configuration.hybridLayers.map {
            PolicyAttention.plans(policy: WindowAttention(size: $0.window), firstPosition: start, rows: n,
                                  slots: SlotPositions(cached: cache.positions, appending: start..<(start + n)), rope: localRope)
        } ?? []
        let keyTables = cache.channels.map { channel in (0..<n).map { rope.table(position: channel.keyPosition(start + $0)) } }
        let localKeyTables = localRope.frequencies == rope.frequencies ? keyTables
            : cache.channels.map { channel in (0..<n).map { localRope.table(position: channel.keyPosition(start + $0)) } }
        return BatchStep(entry: entry, policy: policy, firstRow: firstRow, firstSlot: cache.count, rope: rope, plans: plans, localPlans: localPlans,
                         localRope: localRope, localKeyTables: localKeyTables,
                         keyTables: keyTables, prepared: prepared, queryTables: queryTables)
    }

    /// Refuses a policy this model's layers cannot run. Soft-capped logits, a query scale other
    /// than 1/sqrt(headDim) and sliding layers beside global ones are known to segment plans and to
    /// ReAttention's selection, which keeps every token in the dense cache (the sliding layers then
    /// read their window's plans); the per-head memory, block and chunk-head executors do not know
    /// them yet.
    func checkSupported(_ policy: AttentionPolicy) throws {
        let c = configuration
        let scaled = c.queryPreAttentionScalar.map { $0 != Double(c.headDim) } ?? false
        let supported: Bool
        switch policy.executor {
        case .plans: supported = true
        case .selection: supported = true
        case .scoredMemory, .blocks, .chunkHeads: supported = c.attentionLogitSoftcap == nil && c.hybridLayers == nil && !scaled
        }
        guard !supported else { return }
        throw EngineError.invalidOption(
            name: "attention",
            reason: "\(policy) cannot run on \(c.architecture.rawValue) yet: its soft-capped logits, query scale or sliding layers are known only to position-based policies (full, window, streaming, self-extend, dca, lm-infinite, string, logn) and reattention")
    }

    /// Final norm and LM head for the given rows of the residual stream `x` (n, hidden).
    package func logits(from x: [Float], rows: [Int]) -> [[Float]] {
        let c = configuration, hidden = c.hiddenSize
        var picked = [Float](repeating: 0, count: rows.count * hidden)
        for (i, row) in rows.enumerated() {
            picked.replaceSubrange((i * hidden)..<((i + 1) * hidden), with: x[(row * hidden)..<((row + 1) * hidden)])
        }
        var normed = [Float](repeating: 0, count: rows.count * hidden)
        Self.normRows(picked, weight: weights.finalNorm, eps: c.rmsNormEps, rows: rows.count, width: hidden, into: &normed)
        var out = [Float](repeating: 0, count: rows.count * c.vocabSize)
        (weights.lmHead ?? weights.embedding).apply(normed, rows: rows.count, bias: nil, into: &out)
        if let cap = c.finalLogitSoftcap {
            out.withUnsafeMutableBufferPointer { VectorMath.softcap($0.baseAddress!, $0.count, cap: cap) }
        }
        return (0..<rows.count).map { Array(out[($0 * c.vocabSize)..<(($0 + 1) * c.vocabSize)]) }
    }
}
