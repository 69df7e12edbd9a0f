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
        try validate(tokens)
        let policy = (policy ?? defaultPolicy).base
        if cache.storage.isQuantized, !policy.keyChannels.isEmpty {
            throw EngineError.invalidOption(name: "kv-type", reason: "\(cache.storage) cannot hold the extra key channels \(policy) needs")
        }
        for channel in policy.keyChannels where !cache.channels.contains(channel) {
            guard cache.count == 0 else {
                throw EngineError.invalidOption(name: "attention", reason: "\(policy) needs a cache made for it (makeCache(for:))")
            }
            cache.addChannel(channel)
        }
        let c = configuration
        let n = tokens.count, start = cache.nextPosition, firstSlot = cache.count
        let hidden = c.hiddenSize, hd = c.headDim
        let qDim = c.headCount * hd, kvDim = c.kvHeadCount * hd
        let rope = try rotaryEmbedding(sequenceLength: start + n)
        if let previous = cache.keyRope, previous.frequencies != rope.frequencies, cache.count > 0 {
            guard !cache.storage.isQuantized && cache.memory == nil else {
                throw EngineError.invalidOption(name: "rope", reason: "length-dependent RoPE scaling needs an f32 cache and a position-based policy")
            }
            // Length-dependent scalings changed their table: move the cached keys onto the new one.
            cache.rerotateKeys(from: previous, to: rope)
        }
        cache.keyRope = rope
        cache.reserve(n)
        // Score-aware policies keep a per-head memory and read it through MemoryAttention.
        let memoryPolicy = policy as? KVMemoryPolicy
        let blockMemory = try (policy as? InfLLMAttention).map { try cache.prepareBlockMemory($0) }
        let memory = memoryPolicy.map { _ in cache.prepareMemory(headCount: configuration.headCount) }
        let queryTables = memoryPolicy == nil ? [] : (0..<n).map { rope.table(position: start + $0) }
        let plans = memoryPolicy != nil ? [] : PolicyAttention.plans(policy: policy, firstPosition: start, rows: n,
                                          slots: SlotPositions(cache.positions + Array(start..<(start + n))), rope: rope)
        // cos/sin per new token and key channel: (n, rotaryDim / 2) each.
        let channels = cache.channels
        let keyTables = channels.map { channel in (0..<n).map { rope.table(position: channel.keyPosition(start + $0)) } }

        // Scratch, all row-major with one row per input token.
        var x = [Float](repeating: 0, count: n * hidden)            // (n, hidden) residual stream
        var h = [Float](repeating: 0, count: n * hidden)            // (n, hidden) normed input
        var q = [Float](repeating: 0, count: n * qDim)              // (n, heads * hd), before RoPE
        var k = [Float](repeating: 0, count: n * kvDim)             // (n, kvHeads * hd), before RoPE
        var v = [Float](repeating: 0, count: n * kvDim)             // (n, kvHeads * hd)
        var attention = [Float](repeating: 0, count: n * qDim)      // (n, heads * hd)
        var projected = [Float](repeating: 0, count: n * hidden)    // (n, hidden)
        var gate = [Float](repeating: 0, count: n * c.intermediateSize)  // (n, intermediate)
        var up = [Float](repeating: 0, count: n * c.intermediateSize)    // (n, intermediate)
        for t in 0..<n {
            let id = tokens[t]
            x.replaceSubrange((t * hidden)..<((t + 1) * hidden), with: weights.embedding.row(id))
        }

        for (layerIndex, layer) in weights.layers.enumerated() {
            Self.normRows(x, weight: layer.attentionNorm, eps: c.rmsNormEps, rows: n, width: hidden, into: &h)
            layer.q.apply(h, rows: n, bias: layer.qBias, into: &q)
            layer.k.apply(h, rows: n, bias: layer.kBias, into: &k)
            layer.v.apply(h, rows: n, bias: layer.vBias, into: &v)
            cache.loadLayer(layerIndex)
            if let qNorm = layer.qNorm { Self.normHeads(&q, weight: qNorm, eps: c.rmsNormEps, headDim: hd) }
            if let kNorm = layer.kNorm { Self.normHeads(&k, weight: kNorm, eps: c.rmsNormEps, headDim: hd) }
            // Write this chunk's keys (rotated for each channel) and values at slots firstSlot..<firstSlot+n.
            for head in 0..<c.kvHeadCount {
                let valueBase = cache.valueBase(layer: layerIndex, head: head)
                for t in 0..<n {
                    let slot = firstSlot + t
                    for d in 0..<hd { valueBase[slot * hd + d] = v[t * kvDim + head * hd + d] }
                    for (channelIndex, channel) in channels.enumerated() {
                        let key = cache.keyBase(layer: layerIndex, head: head, channel: channel) + slot * hd
                        for d in 0..<hd { key[d] = k[t * kvDim + head * hd + d] }
                        let table = keyTables[channelIndex][t]
                        rope.apply(key, cos: table.cos, sin: table.sin)
                    }
                }
            }
            if let blockMemory {
                try InfLLMRun.run(rawQueries: q, memory: blockMemory, cache: cache, layer: layerIndex, firstPosition: start,
                                  oldCount: firstSlot, configuration: c, rope: rope, into: &attention)
            } else if let memoryPolicy, let memory {
                MemoryAttention.run(rawQueries: q, policy: memoryPolicy, memory: memory, cache: cache, layer: layerIndex,
                                    firstPosition: start, oldCount: firstSlot, tables: queryTables,
                                    configuration: c, rope: rope, into: &attention)
            } else {
                PolicyAttention.run(rawQueries: q, plans: plans, cache: cache, layer: layerIndex,
                                    configuration: c, rope: rope, into: &attention)
            }
            cache.storeLayer(layerIndex, slots: firstSlot..<(firstSlot + n))
            layer.o.apply(attention, rows: n, bias: nil, into: &projected)
            for i in 0..<(n * hidden) { x[i] += projected[i] }

            Self.normRows(x, weight: layer.mlpNorm, eps: c.rmsNormEps, rows: n, width: hidden, into: &h)
            layer.gate.apply(h, rows: n, bias: nil, into: &gate)
            layer.up.apply(h, rows: n, bias: nil, into: &up)
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer { u in VectorMath.swiglu(g.baseAddress!, u.baseAddress!, n * c.intermediateSize) }
            }
            layer.down.apply(gate, rows: n, bias: nil, into: &projected)
            for i in 0..<(n * hidden) { x[i] += projected[i] }
        }
        cache.commit(n)
        if let memoryPolicy, let memory {
            var result = logits(from: x, rows: n, which: memoryPolicy.scoreSource == .tokenSurprisal ? .all : rows)
            if memoryPolicy.scoreSource == .tokenSurprisal {
                memory.recordSurprisal(tokens: tokens, logits: result)
                if rows == .last { result = [result[n - 1]] }
            }
            cache.applyMemory(memoryPolicy, rows: n)
            return result
        }
        if let blockMemory { try blockMemory.absorb(cache) }
        cache.evict(for: policy)
        return logits(from: x, rows: n, which: rows)
    }

    /// Final norm and LM head for the requested rows of the residual stream `x` (n, hidden).
    func logits(from x: [Float], rows n: Int, which: LogitRows) -> [[Float]] {
        let c = configuration, hidden = c.hiddenSize
        let first = which == .last ? n - 1 : 0
        let count = n - first
        let tail = Array(x[(first * hidden)...])
        var normed = [Float](repeating: 0, count: count * hidden)
        Self.normRows(tail, weight: weights.finalNorm, eps: c.rmsNormEps, rows: count, width: hidden, into: &normed)
        var out = [Float](repeating: 0, count: count * c.vocabSize)
        (weights.lmHead ?? weights.embedding).apply(normed, rows: count, bias: nil, into: &out)
        return (0..<count).map { Array(out[($0 * c.vocabSize)..<(($0 + 1) * c.vocabSize)]) }
    }

    // MARK: - Small helpers over whole row blocks

    static func normRows(_ x: [Float], weight: [Float], eps: Float, rows: Int, width: Int, into out: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    for r in 0..<rows {
                        VectorMath.rmsNorm(xp.baseAddress! + r * width, weight: wp.baseAddress!, eps: eps,
                                           out: op.baseAddress! + r * width, count: width)
                    }
                }
            }
        }
    }

    /// RMSNorm over each headDim-wide slice of `x` (qwen3's q_norm / k_norm).
    static func normHeads(_ x: inout [Float], weight: [Float], eps: Float, headDim: Int) {
        let copy = x
        normRows(copy, weight: weight, eps: eps, rows: x.count / headDim, width: headDim, into: &x)
    }
}
