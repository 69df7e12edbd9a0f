import Foundation
import Testing
@testable import SkeinEval

/// The HTML reports open in headless Chromium (Debian's `chromium`, installed by .ci/run) with no
/// console errors, and every chart survives into the rendered DOM.
@Suite struct ChromiumRenderTests {
    static func chromium() -> String? {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: path) { return path }
        return nil
    }

    static func reports() throws -> [(String, String)] {
        let records = (0..<2).flatMap { method in
            [256, 512].flatMap { length in
                [0.0, 1.0].map { depth in
                    EvalRecord(task: "passkey", method: "m\(method)", attention: "full", rope: "config", length: length, depth: depth,
                               sample: 0, seed: 1, promptTokens: length, promptCharacters: length * 4, answers: ["1"],
                               output: "1", score: method == 0 ? 1 : 0)
                }
            }
        }
        let sweep = LengthSweep.Results(model: "m", trainingLength: 256, lengths: [256, 512], trials: 1, methods: [Method(name: "full")],
                                        passkey: ["full": [1, 0]], bands: [[0, 256], [256, 512]], perplexity: ["full": [3, 9]], seconds: 1)
        let efficiency = EfficiencyResults(points: [
            .init(method: "full", length: 256, prefillSeconds: 0.1, decodeTokensPerSecond: 100, kvBytes: 1 << 20, cachedTokens: 256, peakResidentBytes: 1 << 26),
            .init(method: "full", length: 512, prefillSeconds: 0.3, decodeTokensPerSecond: 80, kvBytes: 1 << 21, cachedTokens: 512, peakResidentBytes: 1 << 27),
        ], decodeTokens: 4, efficiencyLength: [:])
        return [("eval", HTMLReport.render(try EvalSummary(records: records), title: "eval")),
                ("demo", HTMLReport.render(sweep, title: "demo")),
                ("efficiency", HTMLReport.render(efficiency, title: "efficiency"))]
    }

    @Test func reportsRenderWithoutConsoleErrors() throws {
        let browser = try #require(Self.chromium(), "headless Chromium is needed: apt-get install chromium (.ci/run does)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("skein-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, html) in try Self.reports() {
            let file = folder.appendingPathComponent("\(name).html")
            try html.write(to: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: browser)
            process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                                 "--user-data-dir=\(folder.appendingPathComponent("profile-\(name)").path)", "--dump-dom", file.absoluteString]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(name): chromium exited \(process.terminationStatus)")
            #expect(!log.contains(":CONSOLE"), "\(name): \(log.split(separator: "\n").filter { $0.contains(":CONSOLE") })")
            let expectedCharts = html.components(separatedBy: "<svg").count - 1
            #expect(expectedCharts > 0)
            #expect(dom.components(separatedBy: "<svg").count - 1 == expectedCharts, "\(name): charts missing from the DOM")
        }
    }
}
