/// A metadata value to write into a GGUF file, with the exact GGUF type llama.cpp expects for its key.
public enum GGUFWritableValue: Sendable, Equatable {
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case strings([String])
    case float32s([Float])
    case int32s([Int32])
}

/// One key of a GGUF file's metadata, in the order it will be written.
public struct GGUFMetadataEntry: Sendable, Equatable {
    public var key: String
    public var value: GGUFWritableValue

    public init(_ key: String, _ value: GGUFWritableValue) {
        self.key = key
        self.value = value
    }
}
