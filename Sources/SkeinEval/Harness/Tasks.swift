import Foundation
import SkeinTokenizers

/// One prompt of a task and what a correct answer contains.
public struct TaskSample: Sendable, Codable, Equatable {
    public var prompt: String
    /// Every string here must appear in the output (RULER's "all" string match).
    public var answers: [String]
    public var maxTokens: Int

    /// Fraction of the answers that appear in `output`.
    public func score(_ output: String) -> Double {
        answers.isEmpty ? 0 : Double(answers.filter { output.contains($0) }.count) / Double(answers.count)
    }
}

/// A synthetic long-context task: builds prompts of a given token length with needles at a depth.
public enum EvalTask: String, Sendable, Codable, CaseIterable {
    case passkey
    case niahSingle = "niah-single"
    case niahMultikey = "niah-multikey"
    case niahMultivalue = "niah-multivalue"
    case niahMultiquery = "niah-multiquery"

    static let keyWords = ["apple", "river", "garden", "harbor", "lantern", "meadow", "valley", "tower", "island", "forest",
                           "copper", "willow", "falcon", "ember", "glacier", "orchid"]

    /// Sample at about `length` tokens (prompt included) with the needles at `depth`.
    public func makeSample(length: Int, depth: Double, seed: UInt64, filler: FillerText, tokenizer: ModelTokenizer) -> TaskSample {
        var rng = SeededGenerator(seed: seed)
        func number(_ digits: Int) -> String {
            String(Int.random(in: Int(pow(10, Double(digits - 1)))..<Int(pow(10, Double(digits))), using: &rng))
        }
        var words = Self.keyWords.shuffled(using: &rng)
        func needle(_ key: String, _ value: String) -> String { "One of the special magic numbers for \(key) is: \(value)." }
        var needles: [String]
        var question: String
        var answers: [String]
        switch self {
        case .passkey:
            let key = number(5)
            needles = [PasskeyTask.needle(key)]
            question = PasskeyTask.question
            answers = [key]
        case .niahSingle:
            let key = words.removeFirst(), value = number(7)
            needles = [needle(key, value)]
            question = " What is the special magic number for \(key) mentioned in the provided text? The special magic number for \(key) mentioned in the provided text is"
            answers = [value]
        case .niahMultikey:
            let keys = Array(words.prefix(4)), values = (0..<4).map { _ in number(7) }
            needles = zip(keys, values).map(needle)
            let asked = Int.random(in: 0..<4, using: &rng)
            question = " What is the special magic number for \(keys[asked]) mentioned in the provided text? The special magic number for \(keys[asked]) mentioned in the provided text is"
            answers = [values[asked]]
        case .niahMultivalue:
            let key = words.removeFirst(), values = (0..<4).map { _ in number(7) }
            needles = values.map { needle(key, $0) }
            question = " What are all the special magic numbers for \(key) mentioned in the provided text? The special magic numbers for \(key) mentioned in the provided text are"
            answers = values
        case .niahMultiquery:
            let keys = Array(words.prefix(4)), values = (0..<4).map { _ in number(7) }
            needles = zip(keys, values).map(needle)
            question = " What are the special magic numbers for \(keys.joined(separator: ", ")) mentioned in the provided text? The special magic numbers mentioned in the provided text are"
            answers = values
        }
        let overhead = tokenizer.encode(" " + needles.joined(separator: " ") + question).count
        // Several needles spread from `depth` towards the end, as RULER does for multi-needle tasks.
        let inserts = needles.enumerated().map { index, text in
            (depth: min(1, depth + Double(index) * (1 - depth) / Double(max(1, needles.count))), text: text)
        }
        let prompt = filler.compose(tokens: max(0, length - overhead), inserts: inserts, using: &rng) + question
        return TaskSample(prompt: prompt, answers: answers, maxTokens: answers.count == 1 ? 12 : 48)
    }
}
