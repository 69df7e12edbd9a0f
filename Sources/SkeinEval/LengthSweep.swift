import Foundation
import SkeinEngine
import SkeinTokenizers

/// Passkey accuracy and perplexity of several methods at multiples of the training length.
public struct LengthSweep: Sendable {
    /// Everything one sweep measured; written as results.json and rendered by `HTMLReport`.
    public struct Results: Sendable, Codable {
        public var model: String
        public var trainingLength: Int
        public var lengths: [Int]
        public var trials: Int
        public var methods: [Method]
        /// method name -> accuracy (0...1) per length, in `lengths` order; nil where the method was
        /// not run (past its length limit).
        public var passkey: [String: [Double?]]
        /// method name -> decode tokens/s at the longest length it ran (median over its trials there).
        public var decodeTokensPerSecond: [String: Double]
        /// method name -> the longest length it ran, where that is shorter than the sweep's longest.
        public var lengthLimits: [String: Int]
        /// Position bands of the perplexity curves.
        public var bands: [[Int]]
        /// method name -> perplexity per band (nil when a band has no tokens).
        public var perplexity: [String: [Double?]]
        public var seconds: Double

        public init(model: String, trainingLength: Int, lengths: [Int], trials: Int, methods: [Method], passkey: [String: [Double?]],
                    decodeTokensPerSecond: [String: Double] = [:], lengthLimits: [String: Int] = [:],
                    bands: [[Int]], perplexity: [String: [Double?]], seconds: Double) {
            self.model = model
            self.trainingLength = trainingLength
            self.lengths = lengths
            self.trials = trials
            self.methods = methods
            self.passkey = passkey
            self.decodeTokensPerSecond = decodeTokensPerSecond
            self.lengthLimits = lengthLimits
            self.bands = bands
            self.perplexity = perplexity
            self.seconds = seconds
        }
    }

    public let model: TransformerModel
    public let tokenizer: ModelTokenizer
    public let fillerText: String
    public let methods: [Method]
    public let factors: [Int]
    public let trials: Int
    /// method name -> the longest prompt it runs (quadratic-cost methods are capped in the demo
    /// so the whole sweep stays within minutes); methods not named run every length.
    public let lengthLimits: [String: Int]

    public init(model: TransformerModel, tokenizer: ModelTokenizer, fillerText: String, methods: [Method],
                factors: [Int] = [1, 2, 4, 8, 16], trials: Int = 5, lengthLimits: [String: Int] = [:]) {
        self.lengthLimits = lengthLimits
        self.model = model
        self.tokenizer = tokenizer
        self.fillerText = fillerText
        self.methods = methods
        self.factors = factors
        self.trials = trials
    }

    /// Runs every method at every length; `progress(done, total, label)` after each unit of work.
    public func run(modelName: String, progress: (Int, Int, String) -> Void = { _, _, _ in }) throws -> Results {
        let start = Date()
        let L = model.trainingLength
        let lengths = factors.map { $0 * L }
        let task = PasskeyTask(tokenizer: tokenizer, filler: FillerText(text: fillerText, tokenizer: tokenizer))
        // The passkey sits at evenly spread depths; each trial has its own key and filler.
        let prompts = lengths.map { length in
            (0..<trials).map { trial in
                task.prompt(length: length, depth: trials == 1 ? 0.5 : Double(trial) / Double(trials - 1) * 0.9 + 0.05,
                            seed: UInt64(length * 1000 + trial))
            }
        }
        let maxLength = lengths.max() ?? L
        let stream = Array(tokenizer.encode(fillerText).prefix(maxLength + 1))
        let bands = PerplexityCurve.doublingBands(trainingLength: L, maxLength: min(maxLength, stream.count))
        var results = Results(model: modelName, trainingLength: L, lengths: lengths, trials: trials, methods: methods,
                              passkey: [:], lengthLimits: lengthLimits.filter { $0.value < maxLength }, bands: bands.map { [$0.lowerBound, $0.upperBound] }, perplexity: [:], seconds: 0)
        // Work units weighted by tokens so progress moves evenly.
        let total = methods.count * (lengths.reduce(0, +) * trials + stream.count)
        var done = 0
        for method in methods {
            let (scaled, policy) = try method.apply(to: model)
            var accuracies = [Double?]()
            var rates: [Double] = []
            for (index, length) in lengths.enumerated() {
                guard length <= lengthLimits[method.name] ?? .max else {
                    accuracies.append(nil)
                    done += length * trials
                    continue
                }
                var hits = 0
                rates = []
                for prompt in prompts[index] {
                    let outcome = try Self.solve(prompt, task: task, model: scaled, policy: policy)
                    if outcome.solved { hits += 1 }
                    if let rate = outcome.decodeTokensPerSecond { rates.append(rate) }
                    done += length
                    progress(done, total, "\(method.name) passkey @\(length)")
                }
                accuracies.append(Double(hits) / Double(trials))
            }
            results.passkey[method.name] = accuracies
            if !rates.isEmpty { results.decodeTokensPerSecond[method.name] = rates.sorted()[rates.count / 2] }
            let curve = try PerplexityCurve.measure(model: scaled, policy: policy, tokens: stream, bands: bands)
            results.perplexity[method.name] = curve.values
            done += stream.count
            progress(done, total, "\(method.name) perplexity")
        }
        results.seconds = Date().timeIntervalSince(start)
        return results
    }

    /// One passkey prompt as `PasskeyTask.solves` runs it (greedy, 7 tokens, prefill in chunks of
    /// 512), timing the decoding steps: from the first generated token to the last.
    static func solve(_ prompt: PasskeyTask.Prompt, task: PasskeyTask, model: TransformerModel,
                      policy: AttentionPolicy) throws -> (solved: Bool, decodeTokensPerSecond: Double?) {
        let request = GenerationRequest(promptTokens: prompt.ids, maxTokens: 7, sampling: .init(temperature: 0),
                                        stopTokens: [], prefillChunk: 512)
        var first: Date?, last = Date(), steps = -1
        let result = try Generator(model: model, policy: policy).generate(request) { _ in
            last = Date()
            if first == nil { first = last }
            steps += 1
            return true
        }
        let answer = try task.tokenizer.decode(result.tokens, skipSpecialTokens: true)
        let seconds = first.map { last.timeIntervalSince($0) } ?? 0
        return (answer.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(prompt.key),
                steps > 0 && seconds > 0 ? Double(steps) / seconds : nil)
    }
}
