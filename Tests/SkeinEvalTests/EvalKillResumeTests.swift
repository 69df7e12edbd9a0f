import Foundation
import Testing
@testable import SkeinEval

/// Crash safety of `skein eval`: a sweep SIGKILLed at random moments, ten times, then run to the
/// end, holds exactly the samples of an uninterrupted run, each once, with the same outputs.
@Suite struct EvalKillResumeTests {
    static let sweep = ["eval", "passkey", "--lengths", "1x,2x,4x", "--depths", "0.1,0.5,0.9", "--samples", "2",
                        "--attention", "full", "--attention", "streaming", "--seed", "5"]

    /// What a sample produced, without the run-dependent fields.
    struct Outcome: Equatable, CustomStringConvertible {
        var key: String, seed: UInt64, promptTokens: Int, output: String, score: Double
        init(_ record: EvalRecord) {
            key = record.key
            seed = record.seed
            promptTokens = record.promptTokens
            output = record.output
            score = record.score
        }
        var description: String { "\(key): \(output.debugDescription) (\(score))" }
    }

    static func outcomes(_ folder: URL) throws -> [String: Outcome] {
        let records = try Sweep.readRecords(folder.appendingPathComponent("results.jsonl"))
        let keys = records.map(\.key)
        #expect(Set(keys).count == keys.count, "a sample was recorded twice: \(keys.sorted())")
        return Dictionary(records.map { (Outcome($0).key, Outcome($0)) }) { first, _ in first }
    }

    @Test func tenRandomKillsResumeToTheUninterruptedRun() throws {
        let cwd = try EvalCommandTests.folder()
        let start = Date()
        let reference = try SkeinExecutable.run(Self.sweep + ["--out", "reference"], in: cwd)
        let duration = Date().timeIntervalSince(start)
        #expect(reference.status == 0, "\(reference.errors)")
        let expected = try Self.outcomes(cwd.appendingPathComponent("reference"))
        #expect(expected.count == 2 * 3 * 3 * 2)

        var random = SeededGenerator(seed: 2026)
        let killed = cwd.appendingPathComponent("killed")
        var interruptedMidway = 0
        for _ in 0..<10 {
            let before = (try? Self.outcomes(killed).count) ?? 0
            // A moment within what is left of the sweep, so most kills land while samples run.
            let remaining = duration * Double(expected.count - before) / Double(expected.count)
            let delay = max(0.05, remaining * Double.random(in: 0.1...0.9, using: &random))
            let process = Process()
            process.executableURL = try SkeinExecutable.url()
            process.arguments = Self.sweep + ["--out", killed.path]
            process.currentDirectoryURL = cwd
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            let wasRunning = process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let after = try Self.outcomes(killed)
            if wasRunning && after.count < expected.count { interruptedMidway += 1 }
            for (key, outcome) in after { #expect(expected[key] == outcome, "after a kill, \(key) differs from the uninterrupted run") }
        }
        #expect(interruptedMidway >= 3, "only \(interruptedMidway) of 10 kills landed before the sweep ended")

        let finish = try SkeinExecutable.run(Self.sweep + ["--out", killed.path], in: cwd)
        #expect(finish.status == 0, "\(finish.errors)")
        let resumed = try Self.outcomes(killed)
        #expect(resumed == expected)
    }
}
