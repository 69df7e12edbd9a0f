import Foundation
import SkeinTensor

/// Where one tensor lives and what it holds.
public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    /// Row-major shape, outermost first: a Linear weight is (outFeatures, inFeatures).
    public var shape: [Int]
    /// Byte range inside the file's data section.
    public var dataRange: Range<Int>
    public var elementCount: Int { shape.reduce(1, *) }
}

/// One memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header, data.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let file: MappedFile
    private let dataStart: Int

    public init(path: String) throws {
        file = try MappedFile(path: path)
        self.path = path
        let parsed = try Self.parse(file.bytes, file: path)
        dataStart = parsed.dataStart
        tensors = parsed.tensors
        metadata = parsed.metadata
    }

    /// Validates a whole safetensors image in memory (header length, JSON header, every tensor's
    /// dtype, shape and byte range). The fuzz target and `init(path:)` share it.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file path: String)
        throws -> (tensors: [String: TensorInfo], metadata: [String: String], dataStart: Int) {
        guard bytes.count >= 8 else {
            throw FormatError.malformedHeader(file: path, reason: "file has \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw FormatError.malformedHeader(file: path, reason: "header length \(headerLength) goes beyond the file (\(bytes.count) bytes)")
        }
        let dataStart = 8 + Int(headerLength)
        let header = Data(bytes[8..<dataStart])
        let parsed = try parseHeader(header, file: path, dataSize: bytes.count - dataStart)
        return (parsed.tensors, parsed.metadata, dataStart)
    }

    /// The raw little-endian bytes of a tensor (valid while this file is alive).
    public func rawData(_ info: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + info.dataRange.lowerBound)..<(dataStart + info.dataRange.upperBound)])
    }

    /// `body(bytes)` for a copy of a tensor's bytes, with its pages mapped first and given back
    /// after (`MappedFile.copyOut`).
    public func copyOut<T>(_ info: TensorInfo, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try file.copyOut(rawData(info), body)
    }

    static func parseHeader(_ header: Data, file: String, dataSize: Int) throws -> (tensors: [String: TensorInfo], metadata: [String: String]) {
        let fields = try JSONFields(data: header, file: file)
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in fields.object {
            if name == "__metadata__" {
                guard let dict = value as? [String: Any] else {
                    throw FormatError.malformedHeader(file: file, reason: "__metadata__ is not an object")
                }
                for (k, v) in dict { metadata[k] = v as? String ?? String(describing: v) }
                continue
            }
            guard let entry = value as? [String: Any] else {
                throw FormatError.invalidTensor(file: file, tensor: name, reason: "entry is not an object")
            }
            guard let dtypeName = entry["dtype"] as? String else {
                throw FormatError.invalidTensor(file: file, tensor: name, reason: "missing dtype")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw FormatError.invalidTensor(file: file, tensor: name, reason: "unsupported dtype \(dtypeName) (supported: F32, F16, BF16)")
            }
            guard let shapeValues = entry["shape"] as? [Any] else {
                throw FormatError.invalidTensor(file: file, tensor: name, reason: "missing shape")
            }
            var shape: [Int] = []
            var count = 1
            for dimValue in shapeValues {
                guard let n = dimValue as? NSNumber, !(dimValue is Bool), n.doubleValue >= 0,
                      n.doubleValue == n.doubleValue.rounded(), n.doubleValue < 1e15 else {
                    throw FormatError.invalidTensor(file: file, tensor: name, reason: "shape entry \(dimValue) is not a non-negative integer")
                }
                let dim = n.intValue
                let (product, overflow) = count.multipliedReportingOverflow(by: dim)
                guard !overflow, product <= dataSize else {
                    throw FormatError.invalidTensor(file: file, tensor: name, reason: "shape \(shapeValues) is larger than the file")
                }
                count = product
                shape.append(dim)
            }
            guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue else {
                throw FormatError.invalidTensor(file: file, tensor: name, reason: "data_offsets must be two integers")
            }
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw FormatError.invalidTensor(file: file, tensor: name, reason: "data_offsets [\(begin), \(end)] are outside the data section (\(dataSize) bytes)")
            }
            guard end - begin == count * dtype.byteSize else {
                throw FormatError.invalidTensor(file: file, tensor: name, reason: "data_offsets span \(end - begin) bytes but shape \(shape) of \(dtypeName) needs \(count * dtype.byteSize)")
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin..<end)
        }
        // Overlap check: sort by start, each must begin at or after the previous end.
        let sorted = tensors.values.filter { !$0.dataRange.isEmpty }.sorted { $0.dataRange.lowerBound < $1.dataRange.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.dataRange.lowerBound < a.dataRange.upperBound {
            throw FormatError.invalidTensor(file: file, tensor: b.name, reason: "data overlaps tensor '\(a.name)'")
        }
        return (tensors, metadata)
    }
}
