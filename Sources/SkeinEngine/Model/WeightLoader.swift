import SkeinFormats
import SkeinTensor

/// Reads a Hugging Face checkpoint's tensors into `ModelWeights` by the architecture's tensor table.
enum WeightLoader {
    static func load(_ store: WeightStore, configuration c: ModelConfiguration) throws -> ModelWeights {
        let offset = c.definition.style.normWeightOffset
        return try WeightAssembly(
            matrix: { try store.matrix($0.hfName, shape: $0.shape) },
            vector: { spec in
                let values = try store.floats(spec.hfName, shape: spec.shape)
                return spec.role.isNorm && offset != 0 ? values.map { $0 + offset } : values
            },
            contains: { store.contains($0.hfName) }
        ).load(c)
    }
}
