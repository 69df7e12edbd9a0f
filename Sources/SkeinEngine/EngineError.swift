import SkeinFormats

/// Errors raised by the engine. Loading errors from files arrive as `FormatError`.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyInput
    case tokenOutOfRange(id: Int, vocabularySize: Int)
    case invalidWeights(tensor: String, reason: String)
    case invalidOption(name: String, reason: String)
    case contextOverflow(requested: Int, limit: Int)
    /// A block read back from the KV offload file failed its checksum.
    case corruptedOffloadBlock(layer: Int, block: Int)
    /// The KV offload file could not be created, grown or mapped.
    case offloadFailed(reason: String)

    public var description: String {
        switch self {
        case .emptyInput: "no input tokens"
        case .tokenOutOfRange(let id, let vocabularySize): "token id \(id) is outside the vocabulary (0..<\(vocabularySize))"
        case .invalidWeights(let tensor, let reason): "tensor '\(tensor)': \(reason)"
        case .invalidOption(let name, let reason): "\(name): \(reason)"
        case .contextOverflow(let requested, let limit): "context of \(requested) tokens exceeds the limit of \(limit)"
        case .corruptedOffloadBlock(let layer, let block): "KV offload block \(block) of layer \(layer) failed its checksum; not used"
        case .offloadFailed(let reason): "KV offload file: \(reason)"
        }
    }
}
