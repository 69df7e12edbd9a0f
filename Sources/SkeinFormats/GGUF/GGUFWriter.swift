import Foundation

/// A tensor to write into a GGUF file. `bytes` is called once, when its data is written, so a
/// large model never needs all its converted tensors in memory at once.
public struct GGUFTensorToWrite {
    public var name: String
    /// GGML order: dimensions[0] is the row length (inFeatures for a matrix).
    public var dimensions: [Int]
    public var type: GGMLType
    public var bytes: () throws -> [UInt8]

    public init(name: String, dimensions: [Int], type: GGMLType, bytes: @escaping () throws -> [UInt8]) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.bytes = bytes
    }
}

/// Writes GGUF v3 files (little-endian) that llama.cpp and gguf-py read.
public enum GGUFWriter {
    public static let alignment = 32

    /// Writes `metadata` and `tensors` to `url` through a temporary file that is renamed into place,
    /// so a failure never leaves a partial file. Refuses to replace an existing file.
    /// `progress` is called after each tensor with (tensors written, total).
    public static func write(metadata: [GGUFMetadataEntry], tensors: [GGUFTensorToWrite], to url: URL,
                             progress: (Int, Int) -> Void = { _, _ in }) throws {
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw FormatError.invalidField(file: url.path, field: "output", reason: "file exists; Skein never overwrites it")
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw FormatError.unreadable(path: temporary.path, reason: "cannot create the output file")
        }
        var finished = false
        defer {
            try? handle.close()
            if !finished { try? FileManager.default.removeItem(at: temporary) }
        }
        var header = Data()
        header.appendLE(UInt32(0x4655_4747))
        header.appendLE(UInt32(3))
        header.appendLE(UInt64(tensors.count))
        header.appendLE(UInt64(metadata.count))
        for entry in metadata {
            header.appendString(entry.key)
            header.appendValue(entry.value)
        }
        var offset = 0
        for tensor in tensors {
            header.appendString(tensor.name)
            header.appendLE(UInt32(tensor.dimensions.count))
            for d in tensor.dimensions { header.appendLE(UInt64(d)) }
            header.appendLE(tensor.type.rawValue)
            header.appendLE(UInt64(offset))
            offset += padded(tensor.type.byteCount(elements: tensor.dimensions.reduce(1, *)))
        }
        header.append(Data(count: padded(header.count) - header.count))
        try handle.write(contentsOf: header)
        for (index, tensor) in tensors.enumerated() {
            let bytes = try tensor.bytes()
            let expected = tensor.type.byteCount(elements: tensor.dimensions.reduce(1, *))
            guard bytes.count == expected else {
                throw FormatError.invalidTensor(file: url.path, tensor: tensor.name, reason: "\(bytes.count) bytes given, \(expected) expected")
            }
            try handle.write(contentsOf: Data(bytes) + Data(count: padded(bytes.count) - bytes.count))
            progress(index + 1, tensors.count)
        }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, url.path) == 0 else {
            throw FormatError.unreadable(path: url.path, reason: "cannot move the finished file into place (errno \(errno))")
        }
        finished = true
    }

    private static func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}

private extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendString(_ s: String) {
        appendLE(UInt64(s.utf8.count))
        append(contentsOf: Array(s.utf8))
    }

    mutating func appendValue(_ value: GGUFWritableValue) {
        switch value {
        case .uint32(let v): appendLE(UInt32(4)); appendLE(v)
        case .int32(let v): appendLE(UInt32(5)); appendLE(v)
        case .float32(let v): appendLE(UInt32(6)); appendLE(v.bitPattern)
        case .bool(let v): appendLE(UInt32(7)); append(v ? 1 : 0)
        case .string(let v): appendLE(UInt32(8)); appendString(v)
        case .uint64(let v): appendLE(UInt32(10)); appendLE(v)
        case .strings(let v):
            appendLE(UInt32(9)); appendLE(UInt32(8)); appendLE(UInt64(v.count))
            for s in v { appendString(s) }
        case .float32s(let v):
            appendLE(UInt32(9)); appendLE(UInt32(6)); appendLE(UInt64(v.count))
            for x in v { appendLE(x.bitPattern) }
        case .int32s(let v):
            appendLE(UInt32(9)); appendLE(UInt32(5)); appendLE(UInt64(v.count))
            for x in v { appendLE(x) }
        }
    }
}
