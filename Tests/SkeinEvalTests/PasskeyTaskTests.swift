import Foundation
import Testing
import SkeinDemoModel
import SkeinTokenizers
@testable import SkeinEval

/// Prompt construction on the shipped demo model's tokenizer.
@Suite struct PasskeyTaskTests {
    static func task() throws -> PasskeyTask {
        let folder = try #require(DemoModel.folder)
        let tokenizer = try ModelTokenizer(folder: folder)
        let text = try String(contentsOf: folder.appendingPathComponent("heldout.txt"), encoding: .utf8)
        return PasskeyTask(tokenizer: tokenizer, filler: FillerText(text: text, tokenizer: tokenizer))
    }

    @Test func promptsHaveTheRequestedLengthAndHoldTheKey() throws {
        let task = try Self.task()
        for length in [256, 1024, 4096] {
            for depth in [0.0, 0.5, 1.0] {
                let prompt = task.prompt(length: length, depth: depth, seed: 42)
                // Whole sentences are added until the next one would overflow: within one sentence.
                #expect(prompt.ids.count <= length + 2 && prompt.ids.count > length - 80, "\(length) \(depth): \(prompt.ids.count)")
                let text = try task.tokenizer.decode(prompt.ids, skipSpecialTokens: true)
                #expect(text.contains("The pass key is \(prompt.key). Remember it."))
                #expect(text.hasSuffix("What is the pass key? The pass key is"))
                // The needle goes between whole sentences nearest the requested depth (in characters);
                // short prompts have few sentences, so only long ones are checked closely.
                let offset = text.range(of: "The pass key is \(prompt.key)")!.lowerBound.utf16Offset(in: text)
                let relative = Double(offset) / Double(text.utf16.count)
                if length >= 1024 { #expect(abs(relative - depth) < 0.1, "depth \(depth) landed at \(relative)") }
            }
        }
    }

    /// A prompt far longer than the filler text wraps around the text and still has the requested
    /// length (it once stopped after four passes: a "1M-token" prompt held 72K tokens).
    @Test func promptsLongerThanTheTextWrapAroundIt() throws {
        let task = try Self.task()
        let textTokens = task.filler.tokenCounts.reduce(0, +)
        let length = 10 * textTokens
        let prompt = task.prompt(length: length, depth: 0.5, seed: 3)
        #expect(prompt.ids.count <= length + 2 && prompt.ids.count > length - 80, "\(length): \(prompt.ids.count)")
    }

    @Test func promptsAreDeterministicPerSeed() throws {
        let task = try Self.task()
        #expect(task.prompt(length: 512, depth: 0.3, seed: 7).ids == task.prompt(length: 512, depth: 0.3, seed: 7).ids)
        #expect(task.prompt(length: 512, depth: 0.3, seed: 7).ids != task.prompt(length: 512, depth: 0.3, seed: 8).ids)
    }
}
