import Foundation
import SkeinEngine
import SkeinTesting

/// The small Hugging Face fixture models of Tests/Fixtures/models.
enum FixtureModel {
    static func load(_ name: String = "llama-f32") throws -> TransformerModel {
        try TransformerModel.load(directory: Fixtures.model(name))
    }

    /// Deterministic token ids below `vocabulary`.
    static func tokens(_ count: Int, vocabulary: Int, seed: Int = 7) -> [Int] {
        (0..<count).map { ($0 * 37 + seed * 11 + ($0 * $0) % 13) % vocabulary }
    }
}
