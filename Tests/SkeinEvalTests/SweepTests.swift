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
        #expect(EvalSummary(records: merged).accuracy == EvalSummary(records: whole).accuracy)
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

    @Test func scoringCountsEveryAnswer() {
        let sample = TaskSample(prompt: "", answers: ["123", "456"], maxTokens: 4)
        #expect(sample.score("123 and 456") == 1)
        #expect(sample.score("only 456") == 0.5)
        #expect(sample.score("none") == 0)
    }

    @Test(arguments: EvalTask.allCases)
    func needlesLandAtTheRequestedDepth(task: EvalTask) throws {
        let (tokenizer, filler) = try #require(Self.setup)
        for depth in [0.0, 0.25, 0.5, 0.75] {
            let sample = task.makeSample(length: 2048, depth: depth, seed: 3, filler: filler, tokenizer: tokenizer)
            let ids = tokenizer.encode(sample.prompt)
            #expect(ids.count <= 2048 + 8)
            // Token offset of the first needle, relative to the prompt.
            let marker = task == .passkey ? "The pass key is" : "One of the special magic numbers"
            let head = String(sample.prompt[..<sample.prompt.range(of: marker)!.lowerBound])
            let offset = Double(tokenizer.encode(head).count) / Double(ids.count)
            // Needles sit between sentences: within one long verse (about 60 tokens) of the target,
            // plus the other needles and the question (about 25 tokens each), which depth does not count.
            let needles = Double(sample.answers.count == 1 && task != .niahMultikey ? 1 : 4)
            #expect(abs(offset - depth) <= (60 + 25 * needles) / Double(ids.count) + 0.02, "\(task) depth \(depth) at \(offset)")
        }
    }
}
