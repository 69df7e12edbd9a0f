import SkeinFormats
import SkeinTensor

/// Builds `ModelWeights` from an architecture's tensor table, whatever the file: the Hugging Face
/// and GGUF loaders differ only in how they read one tensor.
struct WeightAssembly {
    /// Reads a matrix of the table (shape `[out, in]`).
    var matrix: (TensorSpec) throws -> WeightMatrix
    /// Reads a vector of the table.
    var vector: (TensorSpec) throws -> [Float]
    /// Whether an optional tensor is present.
    var contains: (TensorSpec) -> Bool

    func load(_ c: ModelConfiguration) throws -> ModelWeights {
        let table = c.tensorTable
        var layerSpecs = [[TensorRole: TensorSpec]](repeating: [:], count: c.layerCount)
        var modelSpecs: [TensorRole: TensorSpec] = [:]
        for spec in table {
            if let layer = spec.layer { layerSpecs[layer][spec.role] = spec } else { modelSpecs[spec.role] = spec }
        }
        func readMatrix(_ spec: TensorSpec?) throws -> WeightMatrix? {
            guard let spec, !spec.isOptional || contains(spec) else { return nil }
            return try matrix(spec)
        }
        func readVector(_ spec: TensorSpec?) throws -> [Float]? {
            guard let spec, !spec.isOptional || contains(spec) else { return nil }
            return try vector(spec)
        }
        func required<T>(_ value: T?, _ role: TensorRole, layer: Int?) throws -> T {
            guard let value else { throw EngineError.invalidOption(name: "architecture", reason: "\(c.architecture.rawValue) table has no \(role) tensor\(layer.map { " in layer \($0)" } ?? "")") }
            return value
        }
        // The two vocabulary-sized matrices first: a tensor is briefly held twice while it is copied
        // out of its mapped file, and the peak stays lowest while little else is loaded yet.
        let embedding = try required(readMatrix(modelSpecs[.embedding]), .embedding, layer: nil)
        // Tied heads reuse the embedding, as transformers does even when a copy was saved.
        let lmHead = c.tieWordEmbeddings ? nil : try required(readMatrix(modelSpecs[.lmHead]), .lmHead, layer: nil)
        let finalNorm = try required(readVector(modelSpecs[.finalNorm]), .finalNorm, layer: nil)
        let qDim = c.headCount * c.headDim, kvDim = c.kvHeadCount * c.headDim, inter = c.intermediateSize
        var layers: [LayerWeights] = []
        layers.reserveCapacity(c.layerCount)
        for (i, specs) in layerSpecs.enumerated() {
            let q, k, v, gate, up: WeightMatrix
            if let qkv = try readMatrix(specs[.qkv]) {
                q = qkv.rows(0..<qDim)
                k = qkv.rows(qDim..<(qDim + kvDim))
                v = qkv.rows((qDim + kvDim)..<(qDim + 2 * kvDim))
            } else {
                q = try required(readMatrix(specs[.q]), .q, layer: i)
                k = try required(readMatrix(specs[.k]), .k, layer: i)
                v = try required(readMatrix(specs[.v]), .v, layer: i)
            }
            if let gateUp = try readMatrix(specs[.gateUp]) {
                gate = gateUp.rows(0..<inter)
                up = gateUp.rows(inter..<(2 * inter))
            } else {
                gate = try required(readMatrix(specs[.gate]), .gate, layer: i)
                up = try required(readMatrix(specs[.up]), .up, layer: i)
            }
            layers.append(LayerWeights(
                attentionNorm: try required(readVector(specs[.attentionNorm]), .attentionNorm, layer: i),
                q: q, k: k, v: v,
                qBias: try readVector(specs[.qBias]), kBias: try readVector(specs[.kBias]), vBias: try readVector(specs[.vBias]),
                qNorm: try readVector(specs[.qNorm]), kNorm: try readVector(specs[.kNorm]),
                o: try required(readMatrix(specs[.o]), .o, layer: i),
                postAttentionNorm: try readVector(specs[.postAttentionNorm]),
                mlpNorm: try required(readVector(specs[.mlpNorm]), .mlpNorm, layer: i),
                gate: gate, up: up,
                down: try required(readMatrix(specs[.down]), .down, layer: i),
                postFeedForwardNorm: try readVector(specs[.postFeedForwardNorm])))
        }
        return ModelWeights(embedding: embedding, layers: layers, finalNorm: finalNorm, lmHead: lmHead)
    }
}
