import Foundation
import Testing
@testable import SkeinFormats

/// Malformed model folders give typed errors naming the file and the field or tensor.
@Suite struct BadInputTests {
    /// A fresh temporary folder, removed by the caller.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A safetensors file: 8-byte length, the header text, then `data`.
    static func safetensors(header: String, data: [UInt8], headerLength: UInt64? = nil) -> Data {
        var bytes = Data()
        var length = (headerLength ?? UInt64(header.utf8.count)).littleEndian
        bytes.append(Data(bytes: &length, count: 8))
        bytes.append(Data(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    func expectError(_ data: Data, contains fragments: [String]) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors")
        try data.write(to: path)
        do {
            _ = try SafetensorsFile(path: path.path)
            Issue.record("accepted: \(fragments)")
        } catch let error as FormatError {
            for fragment in fragments + [path.path] {
                #expect(error.description.contains(fragment), "\(error) lacks '\(fragment)'")
            }
        }
    }

    @Test func truncatedAndOversizedHeaders() throws {
        try expectError(Data([1, 2, 3]), contains: ["8-byte header length"])
        try expectError(Self.safetensors(header: "{}", data: [], headerLength: 1 << 40), contains: ["beyond the file"])
        try expectError(Self.safetensors(header: "{not json", data: []), contains: ["malformed JSON"])
    }

    @Test func badTensorEntries() throws {
        let four = [UInt8](repeating: 0, count: 16)
        try expectError(Self.safetensors(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,64]}}"#, data: four),
                        contains: ["'w'", "outside the data section"])
        try expectError(Self.safetensors(header: #"{"w":{"dtype":"Q9","shape":[2],"data_offsets":[0,8]}}"#, data: four),
                        contains: ["'w'", "unsupported dtype Q9"])
        try expectError(Self.safetensors(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: four),
                        contains: ["'w'", "needs 12"])
        try expectError(Self.safetensors(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: four),
                        contains: ["overlaps"])
        try expectError(Self.safetensors(header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}"#, data: four),
                        contains: ["'w'", "not a non-negative integer"])
    }

    @Test func readsValidTensorsAndChecksShapes() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let values: [Float] = [1, -2, 0.5, 4]
        let raw = values.withUnsafeBytes { [UInt8]($0) }
        try Self.safetensors(header: #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, data: raw)
            .write(to: dir.appendingPathComponent("model.safetensors"))
        let store = try WeightStore(directory: dir)
        #expect(try store.floats("w", shape: [2, 2]) == values)
        #expect(throws: FormatError.shapeMismatch(tensor: "w", expected: [4], actual: [2, 2])) { try store.floats("w", shape: [4]) }
        #expect(throws: FormatError.missingTensor(name: "nope", location: dir.path)) { try store.floats("nope", shape: [1]) }
    }

    @Test func configErrorsNameTheField() throws {
        let cases: [(String, String)] = [
            ("{", "malformed JSON"),
            (#"{"model_type":"gpt9"}"#, "unsupported architecture 'gpt9'"),
            (#"{"model_type":"llama","hidden_size":64}"#, "missing field 'vocab_size'"),
            (#"{"model_type":"llama","vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":6}"#, "does not divide hidden_size"),
            (#"{"model_type":"llama","vocab_size":"many","hidden_size":64}"#, "'vocab_size'"),
            (#"{"model_type":"llama","vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"rope_scaling":{"rope_type":"warp","factor":2}}"#, "'warp' is not supported"),
        ]
        for (json, fragment) in cases {
            do {
                _ = try ModelConfiguration(json: Data(json.utf8), file: "x/config.json")
                Issue.record("accepted \(json)")
            } catch let error as FormatError {
                #expect(error.description.contains(fragment) && error.description.contains("x/config.json"), "\(error)")
            }
        }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: FormatError.fileNotFound(path: dir.appendingPathComponent("config.json").path)) {
            try ModelConfiguration.load(directory: dir)
        }
    }

    @Test func parsesBothRopeSpellings() throws {
        let old = #"{"model_type":"llama","vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"rope_theta":500000,"rope_scaling":{"type":"linear","factor":2},"eos_token_id":[1,2]}"#
        let c = try ModelConfiguration(json: Data(old.utf8))
        #expect(c.ropeTheta == 500000 && c.ropeScaling?.type == "linear" && c.ropeScaling?.factor == 2)
        #expect(c.eosTokenIds == [1, 2])
        let new = #"{"model_type":"phi3","vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4,"rope_parameters":{"rope_type":"default","rope_theta":1000,"partial_rotary_factor":0.5},"original_max_position_embeddings":32}"#
        let p = try ModelConfiguration(json: Data(new.utf8))
        #expect(p.ropeTheta == 1000 && p.ropeScaling == nil && p.rotaryDim == 8 && p.originalMaxPositionEmbeddings == 32)
    }
}
