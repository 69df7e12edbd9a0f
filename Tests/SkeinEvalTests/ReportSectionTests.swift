import Foundation
import Testing
@testable import SkeinEval

/// Reports show only what ran.
@Suite struct ReportSectionTests {
    static func results(passkey: Bool, perplexity: Bool) -> LengthSweep.Results {
        LengthSweep.Results(
            model: "m", trainingLength: 256, lengths: passkey ? [256, 512] : [], trials: passkey ? 3 : 0,
            methods: [Method(name: "full")], passkey: passkey ? ["full": [1, 0.5]] : [:],
            bands: perplexity ? [[0, 256], [256, 512]] : [], perplexity: perplexity ? ["full": [3, 5]] : [:], seconds: 0)
    }

    static func charts(_ html: String) -> Int { html.components(separatedBy: "<svg").count - 1 }

    /// Defect: `eval perplexity`'s report had an empty passkey chart, table and "0 passkey trials per length".
    @Test func aPerplexityRunShowsNoPasskeySection() {
        let html = HTMLReport.render(Self.results(passkey: false, perplexity: true), title: "perplexity")
        #expect(!html.lowercased().contains("passkey"))
        #expect(Self.charts(html) == 1)
        #expect(html.contains("Perplexity by position band"))
    }

    @Test func aPasskeyRunShowsNoPerplexitySection() {
        let html = HTMLReport.render(Self.results(passkey: true, perplexity: false), title: "passkey")
        #expect(!html.lowercased().contains("perplexity"))
        #expect(Self.charts(html) == 1)
        #expect(html.contains("3 passkey trials per length"))
    }

    @Test func aFullSweepShowsBoth() {
        #expect(Self.charts(HTMLReport.render(Self.results(passkey: true, perplexity: true), title: "demo")) == 2)
    }

    @Test func anEvalReportShowsItsProvenance() throws {
        let provenance = ProvenanceTests.provenance(task: .passkey)
        let record = EvalRecord(task: "passkey", method: "m", attention: "full", rope: "config", length: 256, depth: 0.5, sample: 0,
                                seed: 1, promptTokens: 250, promptCharacters: 900, answers: ["1"], output: "1", score: 1,
                                applied: AppliedPolicy(attention: "full", rope: "config", kvType: "f32", source: "engine"),
                                provenance: provenance)
        let html = HTMLReport.render(try EvalSummary(records: [record]), title: "t")
        #expect(html.contains("Provenance") && html.contains("sha256:model") && html.contains(HTMLReport.escape(provenance.cpu)))
    }
}
