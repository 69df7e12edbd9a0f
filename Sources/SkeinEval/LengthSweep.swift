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
        /// method name -> accuracy (0...1) per length, in `lengths` order.
        public var passkey: [String: [Double]]
        /// Position bands of the perplexity curves.
        public var bands: [[Int]]
        /// method name -> perplexity per band (nil when a band has no tokens).
        public var perplexity: [String: [Double?]]
        public var seconds: Double

        public init(model: String, trainingLength: Int, lengths: [Int], trials: Int, methods: [Method], passkey: [String: [Double]],
                    bands: [[Int]], perplexity: [String: [Double?]], seconds: Double) {
            self.model = model
            self.trainingLength = trainingLength
            self.lengths = lengths
            self.trials = trials
            self.methods = methods
            self.passkey = passkey
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

    public init(model: TransformerModel, tokenizer: ModelTokenizer, fillerText: String, methods: [Method],
                factors: [Int] = [1, 2, 4, 8, 16], trials: Int = 5) {
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
                              passkey: [:], bands: bands.map { [$0.lowerBound, $0.upperBound] }, perplexity: [:], seconds: 0)
        // Work units weighted by tokens so progress moves evenly.
        let total = methods.count * (lengths.reduce(0, +) * trials + stream.count)
        var done = 0
        for method in methods {
            let (scaled, policy) = try method.apply(to: model)
            var accuracies = [Double]()
            for (index, length) in lengths.enumerated() {
                var hits = 0
                for prompt in prompts[index] {
                    if try task.solves(prompt, model: scaled, policy: policy) { hits += 1 }
                    done += length
                    progress(done, total, "\(method.name) passkey @\(length)")
                }
                accuracies.append(Double(hits) / Double(trials))
            }
            results.passkey[method.name] = accuracies
            let curve = try PerplexityCurve.measure(model: scaled, policy: policy, tokens: stream, bands: bands)
            results.perplexity[method.name] = curve.values
            done += stream.count
            progress(done, total, "\(method.name) perplexity")
        }
        results.seconds = Date().timeIntervalSince(start)
        return results
    }
}
