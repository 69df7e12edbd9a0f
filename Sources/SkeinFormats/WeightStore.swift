import Foundation
import SkeinTensor

/// All tensors of a Hugging Face model folder: `model.safetensors`, or shards listed in
/// `model.safetensors.index.json`.
public final class WeightStore: @unchecked Sendable {
    public let directory: URL
    private var files: [SafetensorsFile] = []
    private var location: [String: (file: Int, info: TensorInfo)] = [:]

    public init(directory: URL) throws {
        self.directory = directory
        let fm = FileManager.default
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        var shardNames: [String]
        if fm.fileExists(atPath: index.path) {
            let data: Data
            do { data = try Data(contentsOf: index) } catch {
                throw FormatError.unreadable(path: index.path, reason: error.localizedDescription)
            }
            let fields = try JSONFields(data: data, file: index.path)
            guard let map = fields.object["weight_map"] as? [String: Any] else {
                throw FormatError.missingField(file: index.path, field: "weight_map")
            }
            var names = Set<String>()
            for (tensor, shard) in map {
                guard let shard = shard as? String, !shard.contains("/"), !shard.hasPrefix(".") else {
                    throw FormatError.invalidField(file: index.path, field: "weight_map.\(tensor)", reason: "expected a file name in the model folder")
                }
                names.insert(shard)
            }
            shardNames = names.sorted()
        } else if fm.fileExists(atPath: single.path) {
            shardNames = ["model.safetensors"]
        } else {
            throw FormatError.fileNotFound(path: single.path)
        }
        for name in shardNames {
            let file = try SafetensorsFile(path: directory.appendingPathComponent(name).path)
            let fileIndex = files.count
            files.append(file)
            for (tensorName, info) in file.tensors {
                if let existing = location[tensorName] {
                    throw FormatError.invalidTensor(file: file.path, tensor: tensorName, reason: "also present in \(files[existing.file].path)")
                }
                location[tensorName] = (fileIndex, info)
            }
        }
    }

    /// Every tensor name, sorted.
    public var tensorNames: [String] { location.keys.sorted() }

    public func info(_ name: String) -> TensorInfo? { location[name]?.info }

    public func contains(_ name: String) -> Bool { location[name] != nil }

    /// The file a tensor lives in.
    public func filePath(of name: String) -> String? { location[name].map { files[$0.file].path } }

    /// The raw bytes of a tensor (valid while the store is alive).
    public func rawData(_ name: String) throws -> (info: TensorInfo, bytes: UnsafeRawBufferPointer) {
        let entry = try entry(name)
        return (entry.info, files[entry.file].rawData(entry.info))
    }

    /// Where a tensor lives.
    fileprivate func entry(_ name: String) throws -> (file: Int, info: TensorInfo) {
        guard let entry = location[name] else {
            throw FormatError.missingTensor(name: name, location: directory.path)
        }
        return entry
    }

    /// A tensor decoded to f32, after checking its shape.
    public func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        let (info, bytes) = try rawData(name)
        guard info.shape == expected else {
            throw FormatError.shapeMismatch(tensor: name, expected: expected, actual: info.shape)
        }
        return HalfConversion.decode(bytes, dtype: info.dtype, count: info.elementCount)
    }
}

extension WeightStore {
    /// A 2-D tensor as a `WeightMatrix` in its stored precision, after checking its shape.
    public func matrix(_ name: String, shape expected: [Int]) throws -> WeightMatrix {
        let (file, info) = try entry(name)
        guard info.shape == expected, expected.count == 2 else {
            throw FormatError.shapeMismatch(tensor: name, expected: expected, actual: info.shape)
        }
        // Copied out: one copy of the weights in memory, not two.
        return files[file].copyOut(info) { WeightMatrix(outFeatures: expected[0], inFeatures: expected[1], dtype: info.dtype, raw: $0) }
    }
}
