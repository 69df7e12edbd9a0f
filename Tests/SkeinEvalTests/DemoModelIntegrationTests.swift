import Foundation
import Testing
import SkeinDemoModel
import SkeinEngine
import SkeinTokenizers
@testable import SkeinEval

/// The paper-shaped result on the shipped demo model (trained at 256 tokens).
///
/// Thresholds come from `skein demo` measurements (docs and MODEL_CARD.md) with a margin; the
/// sweep here is smaller (1x-8x, 5 passkeys per length) to keep the test suite quick.
/// Measured with this configuration: full 100/0/20/0%, streaming and lm-infinite 100/60/20/20%,
/// self-extend and dca 100/100/100/20-40%.
@Suite(.serialized) struct DemoModelIntegrationTests {
    static let results: LengthSweep.Results? = {
        guard let folder = DemoModel.folder,
              let tokenizer = try? ModelTokenizer(folder: folder),
              let model = try? TransformerModel.load(directory: folder),
              let text = try? String(contentsOf: folder.appendingPathComponent("heldout.txt"), encoding: .utf8) else { return nil }
        let L = model.trainingLength
        let methods = [
            Method(name: "full"),
            Method(name: "streaming", attention: "streaming:sinks=4,window=\(L - 4)"),
            Method(name: "lm-infinite", attention: "lm-infinite:global=10,cap=\(L)"),
            Method(name: "self-extend", attention: "self-extend:group=12,window=\(L / 4)"),
            Method(name: "dca", attention: "dca"),
            Method(name: "reattention", attention: "reattention"),
        ]
        let sweep = LengthSweep(model: model, tokenizer: tokenizer, fillerText: text, methods: methods,
                                factors: [1, 2, 4, 8], trials: 5)
        return try? sweep.run(modelName: "skein-demo")
    }()

    static func accuracy(_ method: String, factor: Int) throws -> Double {
        let r = try #require(results)
        let index = try #require(r.lengths.firstIndex(of: factor * r.trainingLength))
        let row = try #require(r.passkey[method])
        return try #require(row[index])
    }

    /// Perplexity of the band that starts at `start`.
    static func perplexity(_ method: String, bandStart start: Int) throws -> Double {
        let r = try #require(results)
        let index = try #require(r.bands.firstIndex { $0[0] == start })
        let curve = try #require(r.perplexity[method])
        return try #require(curve[index])
    }

    @Test func theModelLearnedItsTask() throws {
        #expect(try Self.accuracy("full", factor: 1) >= 0.8)
    }

    @Test func fullAttentionCollapsesPastTheTrainingLength() throws {
        #expect(try Self.accuracy("full", factor: 4) <= 0.4)
        #expect(try Self.accuracy("full", factor: 8) <= 0.4)
        // Far positions: full attention's perplexity is well above a bounded policy's on the same text.
        #expect(try Self.perplexity("full", bandStart: 512) > 1.5 * Self.perplexity("streaming", bandStart: 512))
        #expect(try Self.perplexity("full", bandStart: 1024) > 2 * Self.perplexity("full", bandStart: 0))
    }

    @Test(arguments: ["streaming", "lm-infinite"])
    func boundedPoliciesStayFluentButForget(method: String) throws {
        // Perplexity stays flat: the farthest band is no worse than the first band past L.
        #expect(try Self.perplexity(method, bandStart: 1024) < 1.3 * Self.perplexity(method, bandStart: 256))
        // Passkeys outside the window are lost: only needles near the end survive at 4x and 8x.
        #expect(try Self.accuracy(method, factor: 4) <= 0.4)
        #expect(try Self.accuracy(method, factor: 8) <= 0.4)
    }

    /// Select-and-reposition holds where every other method has failed or is failing (8x), and
    /// stays fluent.
    @Test func selectAndRepositionKeepsRetrieving() throws {
        for factor in [2, 4, 8] { #expect(try Self.accuracy("reattention", factor: factor) >= 0.8, "\(factor)x") }
        #expect(try Self.perplexity("reattention", bandStart: 1024) < 1.3 * Self.perplexity("reattention", bandStart: 256))
    }

    @Test(arguments: ["self-extend", "dca"])
    func positionRemappingKeepsRetrieving(method: String) throws {
        #expect(try Self.accuracy(method, factor: 2) >= 0.6)
        #expect(try Self.accuracy(method, factor: 4) >= 0.6)
        #expect(try Self.perplexity(method, bandStart: 1024) < 1.3 * Self.perplexity(method, bandStart: 256))
    }
}
