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
    /// RULER variable tracking: a chain of assignments hidden in filler; name every variable in it.
    case variableTracking = "vt"
    /// RULER common-words extraction: a long word list; name the 10 words repeated most.
    case commonWords = "cwe"
    /// RULER frequent-words extraction: Zipf-distributed coded words; name the 3 most frequent.
    case frequentWords = "fwe"
    /// User data: a JSONL file of {context, question, answer}; lengths and depths do not apply.
    case custom

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
        case .variableTracking:
            let value = number(5)
            var names = [String]()
            while names.count < 4 {
                let name = String((0..<5).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ".randomElement(using: &rng)! })
                if !names.contains(name) { names.append(name) }
            }
            needles = ["VAR \(names[0]) = \(value)."] + (1..<names.count).map { "VAR \(names[$0]) = VAR \(names[$0 - 1])." }
            question = " Question: Find all variables that are assigned the value \(value) in the text above. Answer: According to the chain of variable assignment in the text above, \(names.count) variables are assigned the value \(value), they are:"
            answers = names
        case .commonWords, .frequentWords:
            return wordListSample(length: length, rng: &rng, filler: filler, tokenizer: tokenizer)
        case .custom:
            preconditionFailure("custom samples come from CustomData, not from makeSample")
        }
        let overhead = tokenizer.encode(" " + needles.joined(separator: " ") + question).count
        // Several needles spread from `depth` towards the end, as RULER does for multi-needle tasks.
        let inserts = needles.enumerated().map { index, text in
            (depth: min(1, depth + Double(index) * (1 - depth) / Double(max(1, needles.count))), text: text)
        }
        let prompt = filler.compose(tokens: max(0, length - overhead), inserts: inserts, tokenizer: tokenizer, using: &rng) + question
        return TaskSample(prompt: prompt, answers: answers, maxTokens: answers.count == 1 ? 12 : 48)
    }

    /// cwe and fwe: a list of words whose counts are the task; `length` is met by adding entries.
    private func wordListSample(length: Int, rng: inout SeededGenerator, filler: FillerText, tokenizer: ModelTokenizer) -> TaskSample {
        var vocabulary = Array(Set(filler.sentences.flatMap { $0.split(separator: " ") }
            .map { $0.lowercased().filter(\.isLetter) }.filter { $0.count >= 4 })).sorted()
        vocabulary.shuffle(using: &rng)
        let question: String
        let answerCount: Int
        var counts = [String: Int]()
        var entries = [String]()
        // Tokens per entry, measured once, so the list meets the requested length.
        func tokens(_ word: String) -> Int { tokenizer.encode(" \(word)", addSpecialTokens: false).count }
        if self == .commonWords {
            question = " Question: What are the 10 most common words in the above list? Answer: The top 10 words that appear most often in the list are:"
            answerCount = 10
            let common = Array(vocabulary.prefix(10)), rare = Array(vocabulary.dropFirst(10))
            let budget = length - tokenizer.encode(question).count - 8
            var used = 0
            // Common words appear 3x as often as rare ones; rare ones are drawn without repetition first.
            var rareIndex = 0
            while used < budget && !rare.isEmpty {
                let word = Int.random(in: 0..<4, using: &rng) == 0 ? common.randomElement(using: &rng)! : rare[rareIndex % rare.count]
                if !common.contains(word) { rareIndex += 1 }
                entries.append(word)
                counts[word, default: 0] += 1
                used += tokens("\(entries.count). \(word)")
            }
        } else {
            question = " Question: Do not provide any explanation. Please ignore the dots '....'. What are the three most frequently appeared words in the above coded text? Answer: According to the coded text above, the three most frequently appeared words are:"
            answerCount = 3
            let words = Array(vocabulary.prefix(64))
            let budget = length - tokenizer.encode(question).count - 8
            var used = 0
            // Zipf with exponent 2: word k appears with weight 1 / k^2.
            let weights = words.indices.map { 1 / pow(Double($0 + 1), 2) }
            let total = weights.reduce(0, +)
            while used < budget && !words.isEmpty {
                var pick = Double.random(in: 0..<total, using: &rng)
                var index = 0
                while index < words.count - 1 && pick >= weights[index] { pick -= weights[index]; index += 1 }
                entries.append(words[index])
                counts[words[index], default: 0] += 1
                used += tokens(".... \(words[index])")
            }
        }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let prompt = (self == .commonWords
            ? entries.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: " ")
            : entries.joined(separator: " .... ")) + question
        return TaskSample(prompt: prompt, answers: ranked.prefix(answerCount).map(\.key), maxTokens: answerCount * 6)
    }

    /// Reads a JSONL file of {"context", "question", "answer"} lines (answer: a string or a list).
    /// - Throws: `EvalError.malformedData` naming the line.
    public static func loadCustom(_ file: URL) throws -> [TaskSample] {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw EvalError.malformedData(file: file.path, line: 0, reason: "cannot read the file")
        }
        var samples = [TaskSample]()
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            func bad(_ reason: String) -> EvalError { .malformedData(file: file.path, line: index + 1, reason: reason) }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw bad("not a JSON object")
            }
            guard let context = object["context"] as? String else { throw bad("no string field 'context'") }
            guard let question = object["question"] as? String else { throw bad("no string field 'question'") }
            let answers: [String]
            if let answer = object["answer"] as? String { answers = [answer] }
            else if let list = object["answer"] as? [String], !list.isEmpty { answers = list }
            else { throw bad("'answer' must be a string or a list of strings") }
            samples.append(TaskSample(prompt: context + "\n\n" + question, answers: answers, maxTokens: 32))
        }
        return samples
    }
}
