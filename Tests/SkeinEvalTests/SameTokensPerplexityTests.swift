import Foundation
import Testing
import SkeinDemoModel
import SkeinEngine
@testable import SkeinEval

/// `eval perplexity --same-tokens`: every context length scores the same last tokens.
@Suite struct SameTokensPerplexityTests {
    @Test func contextsDoubleUpToTheLongest() {
        #expect(PerplexityCurve.doublingContexts(from: 256, maxLength: 1500) == [256, 512, 1024, 1500])
        #expect(PerplexityCurve.doublingContexts(from: 8, maxLength: 8) == [8])
    }

    /// Under a 4-token window the demo model's 4 layers reach back 12 tokens; with at least 16
    /// tokens before the first scored one, every column sees the same tokens at the same distances
    /// and equals the plain perplexity of the last 8 tokens. Under full attention more context
    /// changes them.
    @Test func everyColumnScoresTheSameTokens() throws {
        let folder = try #require(DemoModel.folder)
        let model = try TransformerModel.load(directory: folder)
        let tokens = (0..<49).map { ($0 * 7 + 3) % model.configuration.vocabSize }
        let window = try PolicyCatalog.attention("window:size=4", trainingLength: model.trainingLength)
        let curve = try PerplexityCurve.sameTokens(model: model, policy: window, tokens: tokens, scored: 8, contexts: [24, 36, 48])
        let direct = try model.perplexity(tokens, policy: window, context: .stream(chunk: 256)).perplexity(positionsIn: 41..<49)
        #expect(curve.bands == [0..<24, 0..<36, 0..<48])
        for value in curve.values { #expect(abs(try #require(value) - (try #require(direct))) <= 1e-4 * (try #require(direct))) }
        let full = try PerplexityCurve.sameTokens(model: model, policy: FullAttention(), tokens: tokens, scored: 8, contexts: [12, 48])
        #expect(full.values[0] != full.values[1])
    }
}
