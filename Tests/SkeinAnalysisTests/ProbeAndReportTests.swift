import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import SkeinAnalysis
import SkeinEngine
import SkeinEval

@Suite struct ProbeAndReportTests {
    /// Each (target, window) log-probability equals a separate forward pass over exactly w tokens.
    @Test func probeMatchesTruncatedForwardPasses() throws {
        let model = try FixtureModel.load()
        let tokens = FixtureModel.tokens(16, vocabulary: model.configuration.vocabSize)
        let probe = try ContextProbe.measure(model: model, tokens: tokens, windows: [1, 2, 4], targetCount: 3)
        #expect(probe.targets == [4, 5, 6])
        for (row, t) in probe.targets.enumerated() {
            for (column, w) in probe.windows.enumerated() {
                let logits = try model.forward(Array(tokens[(t - w)..<t]), cache: model.makeCache(), logits: .last)[0]
                let maxLogit = logits.max()!
                let expected = Double(logits[tokens[t]] - maxLogit) - log(logits.reduce(0.0) { $0 + exp(Double($1 - maxLogit)) })
                #expect(abs(probe.logProbabilities[row][column] - expected) < 1e-4)
            }
        }
        #expect(probe.effectiveContextHistogram.reduce(0, +) == 3)
        let erf = try EmpiricalReceptiveField(probe: probe, tolerance: 0.5)
        #expect(probe.windows.contains(erf.value))
    }

    @Test func effectiveWindowNeedsEveryLargerWindowWithinTolerance() {
        // Window 2 is close to full context but window 4 is not: the answer is 8.
        #expect(ContextProbe.effectiveWindow([-5, -1.0, -3, -1.05, -1], windows: [1, 2, 4, 8, 16], tolerance: 0.1) == 8)
        #expect(ContextProbe.effectiveWindow([-1, -1, -1], windows: [1, 2, 4], tolerance: 0.1) == 1)
    }

    @Test func probeRejectsBadArguments() throws {
        let model = try FixtureModel.load()
        let tokens = FixtureModel.tokens(8, vocabulary: model.configuration.vocabSize)
        #expect(throws: AnalysisError.textTooShort(needed: 12, available: 8)) {
            try ContextProbe.measure(model: model, tokens: tokens, windows: [4, 8], targetCount: 4)
        }
        #expect(throws: AnalysisError.self) { try ContextProbe.measure(model: model, tokens: tokens, windows: [0, 2], targetCount: 1) }
        #expect(throws: AnalysisError.self) { try ContextProbe.measure(model: model, tokens: tokens, windows: [2], targetCount: 1, tolerance: 0) }
    }

    @Test func reportCombinesSectionsAndRefusesForeignFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("skein-analysis-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rope = try RopeDimensions(configuration: RopeDimensions.configuration(headDim: 32, base: 10_000, trainingLength: 256),
                                      scalings: ["linear:factor=2"], modelName: "x")
        let trf = ReceptiveFieldAnalysis(eps: 0.01, theoretical: [try TheoreticalReceptiveField.compute(.alibi(slope: 0.5), eps: 0.01)],
                                         empirical: nil, model: nil, trainingLength: nil)
        _ = try AnalysisReport.write(rope.section(), json: rope, to: folder, title: "t")
        let report = try AnalysisReport.write(trf.section(), json: trf, to: folder, title: "t")
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains(HTMLReport.marker))
        #expect(html.contains("id=\"trf\"") && html.contains("id=\"rope\""))
        for name in ["rope-wavelengths.svg", "rope-stretch.svg", "trf.svg"] {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            #expect(XMLParser(data: data).parse(), "\(name) is not well-formed XML")
        }
        _ = try JSONDecoder().decode(RopeDimensions.self, from: Data(contentsOf: folder.appendingPathComponent("rope.json")))
        try "not ours".write(to: report, atomically: true, encoding: .utf8)
        #expect(throws: AnalysisError.self) { try AnalysisReport.write(rope.section(), json: rope, to: folder, title: "t") }
    }
}
