import Foundation
import Testing
import SkeinDemoModel

/// `skein eval efficiency` measures each row's peak memory on its own.
///
/// It runs the built `skein` in child processes: resident memory is per process, and tests of
/// other suites run in parallel in this one.
@Suite struct EfficiencyRowTests {
    /// (method, length) -> peak resident MiB, from `skein eval efficiency` run with `arguments`.
    static func peaks(_ arguments: [String]) throws -> [String: Double] {
        let out = SweepTests.folder()
        let run = try SkeinExecutable.run(["eval", "efficiency", "--decode-tokens", "2", "--out", out.path] + arguments)
        guard run.status == 0 else { throw SkeinExecutable.Failure(description: "skein exited \(run.status): \(run.errors)") }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("efficiency.json"))) as? [String: Any]
        let points = json?["points"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: points.map {
            ("\($0["method"] as? String ?? "")@\($0["length"] as? Int ?? 0)", Double($0["peakResidentBytes"] as? Int ?? 0) / 1_048_576)
        })
    }

    /// Defect: streaming@256 read 40 MiB alone and 60 MiB after a 2048-token row (the process's high-water mark).
    @Test func aRowsPeakDoesNotDependOnTheRowsBeforeIt() throws {
        let alone = try Self.peaks(["--attention", "streaming", "--lengths", "256"])
        let after = try Self.peaks(["--attention", "full", "--attention", "streaming", "--lengths", "4096,256"])
        let single = try #require(alone["streaming@256"])
        let late = try #require(after["streaming@256"])
        let big = try #require(after["full@4096"])
        #expect(big > single + 8, "the long row should need clearly more memory (\(big) vs \(single) MiB)")
        #expect(abs(late - single) <= 2, "streaming@256: \(single) MiB alone, \(late) MiB after full@4096")
    }
}
