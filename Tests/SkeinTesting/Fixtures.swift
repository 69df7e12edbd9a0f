import Foundation
import SkeinEngine

/// The reference fixtures in Tests/Fixtures (made by the scripts in tools/), shared by the test targets.
public enum Fixtures {
    /// Tests/Fixtures.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A Hugging Face fixture model folder (tools/make_model_fixtures.py).
    public static func model(_ name: String) -> URL { root.appendingPathComponent("models/\(name)") }

    /// Every fixture model that has transformers' reference logits.
    public static var modelNames: [String] {
        let folder = root.appendingPathComponent("models")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/reference.json").path) }.sorted()
    }

    /// transformers' logits for a fixture: one full pass, and incremental steps through its cache.
    public struct Reference: Decodable, Sendable {
        public struct Step: Decodable, Sendable {
            public var tokens: [Int]
            public var logits: [[Float]]
        }
        public struct Incremental: Decodable, Sendable {
            public var prefill: Int
            public var steps: [Step]
        }
        public var tokens: [Int]
        public var full_logits: [[Float]]
        public var incremental: Incremental?
    }

    /// The reference.json of fixture model `name`.
    public static func reference(_ name: String) throws -> Reference {
        let data = try Data(contentsOf: model(name).appendingPathComponent("reference.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }
}

/// max |a - b| over all entries, and max |b| (the scale the tolerance is relative to).
public func maxDifference(_ a: [[Float]], _ b: [[Float]]) -> (diff: Float, scale: Float) {
    var diff: Float = 0, scale: Float = 0
    for (ra, rb) in zip(a, b) {
        for (x, y) in zip(ra, rb) {
            diff = max(diff, abs(x - y))
            scale = max(scale, abs(y))
        }
    }
    return (diff, scale)
}

/// Runs `tokens` through `model` in the pieces a conformance mode names ("one prefill", "chunked
/// prefill", "streamed decoding") and returns every row's logits.
public func forwardInPieces(_ tokens: [Int], mode: String, model: TransformerModel, cache: DenseKVCache,
                            policy: AttentionPolicy) throws -> [[Float]] {
    let pieces: [Int] = switch mode {
    case "one prefill": [tokens.count]
    case "chunked prefill": [9, 1, 1, 13, 1, 1, 1].cycled(until: tokens.count)
    default: [Int](repeating: 1, count: tokens.count)
    }
    var logits: [[Float]] = []
    var offset = 0
    for piece in pieces where offset < tokens.count {
        let end = min(tokens.count, offset + piece)
        logits += try model.forward(Array(tokens[offset..<end]), cache: cache, policy: policy)
        offset = end
    }
    return logits
}

extension Array where Element == Int {
    /// Repeats the chunk sizes until they add up to at least `total`.
    public func cycled(until total: Int) -> [Int] {
        var out: [Int] = [], sum = 0, index = 0
        while sum < total {
            out.append(self[index % count])
            sum += self[index % count]
            index += 1
        }
        return out
    }
}
