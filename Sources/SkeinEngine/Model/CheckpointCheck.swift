import SkeinFormats

/// A tensor the loader reads for a configuration: its name and shape.
public struct ExpectedTensor: Sendable, Equatable {
    public var name: String
    /// The shape the loader checks, outermost first (`[out, in]` for matrices).
    public var shape: [Int]
    /// Read when present (biases, q/k norms, a saved copy of tied embeddings), else not needed.
    public var isOptional: Bool
}

/// Something about a checkpoint's tensors that differs from what the loader expects.
public enum CheckpointProblem: Sendable, Equatable, CustomStringConvertible {
    /// A required tensor is not in the checkpoint: the model cannot load.
    case missing(name: String, shape: [Int])
    /// A tensor has another shape than the configuration gives: the model cannot load.
    case misshaped(name: String, expected: [Int], actual: [Int])
    /// A tensor the loader never reads (harmless, but often a sign of a config that does not match).
    case unexpected(name: String, shape: [Int])

    /// True when the problem stops the model from loading.
    public var isFatal: Bool {
        if case .unexpected = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .missing(let name, let shape): "missing tensor '\(name)' (expected shape \(shape))"
        case .misshaped(let name, let expected, let actual): "tensor '\(name)': expected shape \(expected), found \(actual)"
        case .unexpected(let name, let shape): "unexpected tensor '\(name)' \(shape) (not read by the loader)"
        }
    }
}

/// What `WeightLoader` reads for a configuration, checked without loading: the architecture's
/// tensor table behind `skein inspect`, tested against every fixture model.
public enum CheckpointCheck {
    /// The tensors the loader reads for `c`, in loading order (the architecture's tensor table).
    public static func expectedTensors(for c: ModelConfiguration) -> [ExpectedTensor] {
        c.tensorTable.map { ExpectedTensor(name: $0.hfName, shape: $0.shape, isOptional: $0.isOptional) }
    }

    /// Missing and mis-shaped tensors (which stop loading), then unexpected ones, sorted by name within each.
    public static func problems(in store: WeightStore, configuration c: ModelConfiguration) -> [CheckpointProblem] {
        let expected = expectedTensors(for: c)
        var fatal: [CheckpointProblem] = []
        for tensor in expected {
            guard let info = store.info(tensor.name) else {
                if !tensor.isOptional { fatal.append(.missing(name: tensor.name, shape: tensor.shape)) }
                continue
            }
            if info.shape != tensor.shape { fatal.append(.misshaped(name: tensor.name, expected: tensor.shape, actual: info.shape)) }
        }
        let known = Set(expected.map(\.name))
        let unexpected = store.tensorNames.filter { !known.contains($0) }.sorted().map {
            CheckpointProblem.unexpected(name: $0, shape: store.info($0)?.shape ?? [])
        }
        return fatal + unexpected
    }
}
