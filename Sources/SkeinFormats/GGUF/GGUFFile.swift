import Foundation
@_exported import enum SkeinTensor.GGMLType

/// A metadata value of a GGUF file.
public indirect enum GGUFValue: Sendable, Equatable {
    case uint(UInt64)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    public var intValue: Int? {
        switch self {
        case .uint(let v): Int(exactly: v)
        case .int(let v): Int(exactly: v)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .float(let v): v
        case .uint(let v): Double(v)
        case .int(let v): Double(v)
        default: nil
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
}

/// Where a tensor lives in a GGUF file.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Dimensions as GGUF stores them: fastest-varying first (ne0 = columns).
    public let dimensions: [Int]
    public let type: GGMLType
    /// Offset from the start of the data section.
    public let offset: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
    public var byteCount: Int { type.byteCount(elements: elementCount) }
}

/// A memory-mapped GGUF (v2/v3) file: metadata, tensor infos and tensor bytes.
///
/// Every count, length and offset is checked against the file before use: a damaged file gives a
/// `FormatError` naming the key or tensor, never an out-of-bounds read.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Offset of the data section in the file.
    public let dataOffset: Int
    private let file: MappedFile?
    private let bytes: UnsafeRawBufferPointer

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws {
        let mapped = try MappedFile(path: path)
        try self.init(bytes: mapped.bytes, path: path, keeping: mapped)
    }

    /// Parses GGUF bytes (they must outlive the object unless `keeping` owns them).
    public init(bytes: UnsafeRawBufferPointer, path: String, keeping owner: MappedFile? = nil) throws {
        self.path = path
        self.bytes = bytes
        file = owner
        var reader = GGUFReader(bytes: bytes, path: path)
        guard bytes.count >= 4, try reader.u32("magic") == 0x4655_4747 else {
            throw FormatError.malformedHeader(file: path, reason: "not a GGUF file (bad magic)")
        }
        version = try reader.u32("version")
        guard version == 2 || version == 3 else {
            throw FormatError.malformedHeader(file: path, reason: "unsupported GGUF version \(version) (Skein reads 2 and 3)")
        }
        let tensorCount = try reader.count("tensor_count", limit: bytes.count / 24)
        let keyCount = try reader.count("metadata_kv_count", limit: bytes.count / 12)
        var metadata = [String: GGUFValue]()
        var keys = [String]()
        for _ in 0..<keyCount {
            let key = try reader.string("metadata key")
            let type = try reader.u32(key)
            metadata[key] = try reader.value(type: type, key: key, depth: 0)
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys
        var infos = [GGUFTensorInfo]()
        for index in 0..<tensorCount {
            let name = try reader.string("tensor \(index) name")
            let dimensionCount = try reader.u32(name)
            guard (1...4).contains(dimensionCount) else {
                throw FormatError.invalidTensor(file: path, tensor: name, reason: "\(dimensionCount) dimensions (1 to 4 allowed)")
            }
            var dimensions = [Int]()
            for _ in 0..<dimensionCount {
                let value = try reader.u64(name)
                guard value > 0, value < 1 << 40 else {
                    throw FormatError.invalidTensor(file: path, tensor: name, reason: "dimension \(value) is out of range")
                }
                dimensions.append(Int(value))
            }
            let rawType = try reader.u32(name)
            guard let type = GGMLType(rawValue: rawType) else {
                throw FormatError.invalidTensor(file: path, tensor: name, reason: "unsupported tensor type \(rawType)")
            }
            let offset = try reader.u64(name)
            guard dimensions[0] % type.blockSize == 0 else {
                throw FormatError.invalidTensor(file: path, tensor: name, reason: "row length \(dimensions[0]) is not a multiple of the \(type) block size \(type.blockSize)")
            }
            guard dimensions.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) < Int.max / 8,
                  offset < UInt64(bytes.count) else {
                throw FormatError.invalidTensor(file: path, tensor: name, reason: "offset \(offset) or size lies outside the file")
            }
            infos.append(GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: Int(offset)))
        }
        let alignment = metadata["general.alignment"]?.intValue ?? 32
        guard alignment > 0, alignment.nonzeroBitCount == 1 else {
            throw FormatError.invalidField(file: path, field: "general.alignment", reason: "\(alignment) is not a power of two")
        }
        self.alignment = alignment
        dataOffset = (reader.position + alignment - 1) / alignment * alignment
        for info in infos {
            let end = dataOffset.addingReportingOverflow(info.offset).partialValue + info.byteCount
            guard info.offset % alignment == 0 || version == 2, dataOffset + info.offset <= bytes.count, end <= bytes.count else {
                throw FormatError.invalidTensor(file: path, tensor: info.name,
                                                reason: "data [\(dataOffset + info.offset), \(end)) lies outside the file (\(bytes.count) bytes)")
            }
        }
        tensors = infos
    }

    /// The tensor named `name`.
    /// - Throws: `FormatError.missingTensor`.
    public func tensor(_ name: String) throws -> GGUFTensorInfo {
        guard let info = tensors.first(where: { $0.name == name }) else { throw FormatError.missingTensor(name: name, location: path) }
        return info
    }

    /// The raw bytes of a tensor (checked to lie inside the file when parsed).
    public func data(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[(dataOffset + info.offset)..<(dataOffset + info.offset + info.byteCount)])
    }

    /// `body(bytes)` for a copy of a tensor's bytes, with its pages mapped first and given back
    /// after (`MappedFile.copyOut`; plain `body` for a file parsed from bytes in memory).
    public func copyOut<T>(_ info: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        guard let file else { return try body(data(of: info)) }
        return try file.copyOut(data(of: info), body)
    }

    /// A tensor's values as f32.
    public func floats(_ name: String) throws -> [Float] {
        let info = try tensor(name)
        return info.type.dequantize(data(of: info), count: info.elementCount)
    }
}

/// A bounds-checked little-endian cursor over GGUF bytes.
struct GGUFReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var position = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func take(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - position else {
            throw FormatError.malformedHeader(file: path, reason: "truncated while reading '\(what)' at byte \(position)")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    mutating func u8(_ what: String) throws -> UInt8 { try take(1, what)[0] }
    mutating func u16(_ what: String) throws -> UInt16 { UInt16(littleEndian: try take(2, what).loadUnaligned(as: UInt16.self)) }
    mutating func u32(_ what: String) throws -> UInt32 { UInt32(littleEndian: try take(4, what).loadUnaligned(as: UInt32.self)) }
    mutating func u64(_ what: String) throws -> UInt64 { UInt64(littleEndian: try take(8, what).loadUnaligned(as: UInt64.self)) }

    /// A u64 count that cannot exceed `limit` (what the remaining bytes could possibly hold).
    mutating func count(_ what: String, limit: Int) throws -> Int {
        let value = try u64(what)
        guard value <= UInt64(max(0, limit)) else {
            throw FormatError.malformedHeader(file: path, reason: "'\(what)' is \(value), more than the file can hold")
        }
        return Int(value)
    }

    mutating func string(_ what: String) throws -> String {
        let length = try count("\(what) length", limit: bytes.count - position)
        return String(decoding: try take(length, what), as: UTF8.self)
    }

    mutating func value(type: UInt32, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try u8(key)))
        case 1: return .int(Int64(Int8(bitPattern: try u8(key))))
        case 2: return .uint(UInt64(try u16(key)))
        case 3: return .int(Int64(Int16(bitPattern: try u16(key))))
        case 4: return .uint(UInt64(try u32(key)))
        case 5: return .int(Int64(Int32(bitPattern: try u32(key))))
        case 6: return .float(Double(Float(bitPattern: try u32(key))))
        case 7:
            let byte = try u8(key)
            guard byte <= 1 else { throw FormatError.invalidField(file: path, field: key, reason: "bool byte \(byte)") }
            return .bool(byte == 1)
        case 8: return .string(try string(key))
        case 9:
            guard depth < 4 else { throw FormatError.invalidField(file: path, field: key, reason: "arrays nested too deeply") }
            let elementType = try u32(key)
            let n = try count("\(key) array length", limit: bytes.count - position)
            var items = [GGUFValue]()
            items.reserveCapacity(min(n, 1 << 20))
            for _ in 0..<n { items.append(try value(type: elementType, key: key, depth: depth + 1)) }
            return .array(items)
        case 10: return .uint(try u64(key))
        case 11: return .int(Int64(bitPattern: try u64(key)))
        case 12: return .float(Double(bitPattern: try u64(key)))
        default: throw FormatError.invalidField(file: path, field: key, reason: "unknown GGUF value type \(type)")
        }
    }
}
