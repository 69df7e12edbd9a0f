import Foundation
@testable import SkeinEngine

/// HF reference fixtures made by tools/make_model_fixtures.py.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func model(_ name: String) -> URL { root.appendingPathComponent("models/\(name)") }

    static var modelNames: [String] {
        let folder = root.appendingPathComponent("models")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/reference.json").path) }.sorted()
    }

    struct Reference: Decodable {
        struct Step: Decodable {
            var tokens: [Int]
            var logits: [[Float]]
        }
        struct Incremental: Decodable {
            var prefill: Int
            var steps: [Step]
        }
        var tokens: [Int]
        var full_logits: [[Float]]
        var incremental: Incremental?
    }

    static func reference(_ name: String) throws -> Reference {
        let data = try Data(contentsOf: model(name).appendingPathComponent("reference.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }
}

/// max |a - b| over all entries, and max |b| (the scale the tolerance is relative to).
func maxDifference(_ a: [[Float]], _ b: [[Float]]) -> (diff: Float, scale: Float) {
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
func forwardInPieces(_ tokens: [Int], mode: String, model: TransformerModel, cache: DenseKVCache,
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
