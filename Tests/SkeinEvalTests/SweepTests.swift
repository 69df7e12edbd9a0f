import Foundation
import Testing
import SkeinDemoModel
import SkeinTokenizers
@testable import SkeinEval

/// A backend that "reads" the prompt: it answers with every 5- or 7-digit number it contains,
/// so scores depend on the prompt, and can be told to fail after some calls.
final class ScriptedBackend: CompletionBackend, @unchecked Sendable {
    var calls = 0
    let failAfter: Int?

    init(failAfter: Int? = nil) { self.failAfter = failAfter }

    struct Interrupted: Error {}

    func complete(_ prompt: String, maxTokens: Int) throws -> String {
        if let failAfter, calls >= failAfter { throw Interrupted() }
        calls += 1
        let numbers: [Substring] = prompt.split(whereSeparator: { !$0.isNumber }).filter { $0.count == 5 || $0.count == 7 }
        return numbers.prefix(2).map { String($0) }.joined(separator: " ")
    }
}

@Suite struct SweepTests {
    static let setup: (ModelTokenizer, FillerText)? = {
        guard let folder = DemoModel.folder, let tokenizer = try? ModelTokenizer(folder: folder),
              let text = try? String(contentsOf: folder.appendingPathComponent("heldout.txt"), encoding: .utf8) else { return nil }
        return (tokenizer, FillerText(text: text, tokenizer: tokenizer))
    }()

    static func sweep(shard: (Int, Int)? = nil) -> Sweep {
        Sweep(task: .niahMultikey, lengths: [300, 600], depths: [0, 0.5, 1], methods: [Method(name: "a"), Method(name: "b")],
              samples: 2, seed: 9, shard: shard)
    }

    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("skein-sweep-\(UUID().uuidString)")
    }

    func run(_ sweep: Sweep, into folder: URL, backend: ScriptedBackend = ScriptedBackend()) throws -> [EvalRecord] {
        let (tokenizer, filler) = try #require(Self.setup)
        return try sweep.run(results: folder.appendingPathComponent("results.jsonl"), filler: filler, tokenizer: tokenizer,
                             backend: { _ in backend })
    }

    @Test func theSameSeedGivesTheSameRecords() throws {
        let a = try run(Self.sweep(), into: Self.folder())
        let b = try run(Self.sweep(), into: Self.folder())
        #expect(a.count == 2 * 2 * 3 * 2)
        #expect(a == b)
        #expect(Set(a.map(\.key)).count == a.count)
    }

    @Test func anInterruptedSweepResumesWithoutLosingOrRepeatingSamples() throws {
        let folder = Self.folder()
        let complete = try run(Self.sweep(), into: Self.folder())
        let failing = ScriptedBackend(failAfter: 7)
        #expect(throws: ScriptedBackend.Interrupted.self) { try run(Self.sweep(), into: folder, backend: failing) }
        let partial = try Sweep.readRecords(folder.appendingPathComponent("results.jsonl"))
        #expect(partial.count == 7)
        // A torn line from a crash mid-write is dropped and that sample reruns.
        let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("results.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"task\": \"niah-mul".utf8))
        try handle.close()
        let second = ScriptedBackend()
        let resumed = try run(Self.sweep(), into: folder, backend: second)
        #expect(second.calls == complete.count - 7)
        #expect(resumed.sorted { $0.key < $1.key } == complete.sorted { $0.key < $1.key })
        #expect(try Sweep.readRecords(folder.appendingPathComponent("results.jsonl")).count == complete.count)
    }

    @Test func shardsTogetherEqualTheWholeSweep() throws {
        let whole = try run(Self.sweep(), into: Self.folder())
        var merged = [EvalRecord]()
        for k in 1...3 { merged += try run(Self.sweep(shard: (k, 3)), into: Self.folder()) }
        #expect(merged.count == whole.count)
        #expect(merged.sorted { $0.key < $1.key } == whole.sorted { $0.key < $1.key })
        #expect(try EvalSummary(records: merged).accuracy == EvalSummary(records: whole).accuracy)
    }

    @Test func aMalformedLineIsNamedByNumber() throws {
        let folder = Self.folder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("results.jsonl")
        try Data("not json\n{}\n".utf8).write(to: file)
        #expect { try Sweep.readRecords(file) } throws: { "\($0)".contains("line 1") }
        // Nothing already written is lost by the failed attempt.
        #expect(try Data(contentsOf: file) == Data("not json\n{}\n".utf8))
    }

    @Test func aLengthBelowThePromptOverheadIsAClearError() throws {
        let sweep = Sweep(task: .niahMultiquery, lengths: [20], depths: [0.5], methods: [Method(name: "a")], samples: 1, seed: 1)
        #expect { try run(sweep, into: Self.folder()) } throws: { error in
            guard case EvalError.promptTooShort(let length, let overhead) = error else { return false }
            return length == 20 && overhead > 20
        }
    }

    @Test func anUnwritableOutputIsAClearError() throws {
        let (tokenizer, filler) = try #require(Self.setup)
        #expect { try Self.sweep().run(results: URL(fileURLWithPath: "/proc/skein/results.jsonl"), filler: filler,
                                       tokenizer: tokenizer, backend: { _ in ScriptedBackend() }) } throws: { error in
            guard case EvalError.unwritable(let path, _) = error else { return false }
            return path.hasPrefix("/proc/skein")
        }
    }

    @Test func customDataLinesAreReadAndBadOnesNamed() throws {
        let folder = Self.folder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = folder.appendingPathComponent("good.jsonl")
        try Data("{\"context\": \"c\", \"question\": \"q\", \"answer\": \"a\"}\n\n{\"context\": \"c\", \"question\": \"q\", \"answer\": [\"x\", \"y\"]}\n".utf8).write(to: good)
        let samples = try EvalTask.loadCustom(good)
        #expect(samples.map(\.answers) == [["a"], ["x", "y"]])
        let bad = folder.appendingPathComponent("bad.jsonl")
        try Data("{\"context\": \"c\", \"question\": \"q\", \"answer\": \"a\"}\n{\"context\": 3}\n".utf8).write(to: bad)
        #expect { try EvalTask.loadCustom(bad) } throws: { "\($0)".contains("line 2") && "\($0)".contains("context") }
    }

    @Test func scoringCountsEveryAnswer() {
        let sample = TaskSample(prompt: "", answers: ["123", "456"], maxTokens: 4)
        #expect(sample.score("123 and 456") == 1)
        #expect(sample.score("only 456") == 0.5)
        #expect(sample.score("none") == 0)
    }

    @Test(arguments: [EvalTask.passkey, .niahSingle, .niahMultikey, .niahMultivalue, .niahMultiquery, .variableTracking])
    func needlesLandAtTheRequestedDepth(task: EvalTask) throws {
        let (tokenizer, filler) = try #require(Self.setup)
        for depth in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let sample = task.makeSample(length: 2048, depth: depth, seed: 3, filler: filler, tokenizer: tokenizer)
            let ids = tokenizer.encode(sample.prompt)
            #expect(ids.count <= 2048 + 8)
            // The first needle's token offset within the filler, against depth x filler tokens.
            let marker = task == .passkey ? "The pass key is" : task == .variableTracking ? "VAR " : "One of the special magic numbers"
            let cut = sample.prompt.range(of: marker)!.lowerBound
            let before = tokenizer.encode(String(sample.prompt[..<cut]), addSpecialTokens: false).count
            // Filler tokens: every token but BOS, the needles and the question.
            let fillerTokens = ids.count - 1 - Self.nonFillerTokens(sample, task: task, tokenizer: tokenizer)
            let target = depth * Double(fillerTokens)
            #expect(abs(Double(before) - target) <= 2, "\(task) depth \(depth): needle at token \(before), target \(target)")
        }
    }

    /// Tokens of the needles and question of a sample (they are not filler).
    static func nonFillerTokens(_ sample: TaskSample, task: EvalTask, tokenizer: ModelTokenizer) -> Int {
        let needlePattern: String
        switch task {
        case .passkey: needlePattern = #"The pass key is \d+\. Remember it\. \d+ is the pass key\."#
        case .variableTracking: needlePattern = #"VAR [A-Z]+ = (VAR [A-Z]+|\d+)\."#
        default: needlePattern = #"One of the special magic numbers for \w+ is: \d+\."#
        }
        let regex = try! NSRegularExpression(pattern: needlePattern)
        let text = sample.prompt as NSString
        var count = 0
        for match in regex.matches(in: sample.prompt, range: NSRange(location: 0, length: text.length)) {
            count += tokenizer.encode(" " + text.substring(with: match.range), addSpecialTokens: false).count
        }
        let questionStart = sample.prompt.range(of: task == .variableTracking ? " Question:" : task == .passkey ? " What is the pass key?" : " What ")!
        count += tokenizer.encode(String(sample.prompt[questionStart.lowerBound...]), addSpecialTokens: false).count
        return count
    }
}
