import ArgumentParser
import Foundation
import SkeinEngine
import SkeinTokenizers

/// `skein perplexity`: how well the model predicts a text file, under a policy.
struct PerplexityCommand: ParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Perplexity of a UTF-8 text file, in one stream or in sliding windows.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "The UTF-8 text file to score (default: Skein's bundled public-domain English text, for any model).")
    var file: String?

    @Option(help: "Sliding-window context length; without it the whole file is one stream through the policy.")
    var context: Int?

    @Option(help: "Sliding-window stride (default: context / 2).")
    var stride: Int?

    @Option(help: "Score at most this many tokens of the file.")
    var maxTokens: Int?

    @Option(help: "Print perplexity per bucket of this many positions.")
    var bucket: Int?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let folder = try modelOptions.resolvedURL()
        var tokens = try ModelTokenizer(path: folder).encode(readTextFile(try TextFileOption.url(file, option: "--file").path))
        if let maxTokens { tokens = Array(tokens.prefix(maxTokens)) }
        let scored = context.map { min($0, tokens.count) } ?? tokens.count
        let (model, policy) = try policyOptions.apply(to: TransformerModel.load(path: folder), inputLength: scored)
        policyOptions.warnIfPastReach(tokens: scored, model: model, policy: policy,
                                      what: context == nil ? "the text" : "the --context window")
        let scheme: PerplexityContext = context.map { .sliding(context: $0, stride: stride ?? max(1, $0 / 2)) } ?? .stream(chunk: 256)
        var bar = ProgressBar(label: "perplexity", total: tokens.count - 1)
        let result = try model.perplexity(tokens, policy: policy, context: scheme) { done, _ in bar.update(done) }
        bar.finish()
        var buckets: [(Int, Double)] = []
        if let bucket, bucket > 0 {
            for start in Swift.stride(from: 0, to: tokens.count, by: bucket) {
                if let value = result.perplexity(positionsIn: start..<(start + bucket)) { buckets.append((start, value)) }
            }
        }
        if json {
            let rows = buckets.map { "{\"start\": \($0.0), \"perplexity\": \($0.1)}" }.joined(separator: ", ")
            print("{\"tokens\": \(result.tokenCount), \"perplexity\": \(result.perplexity), \"buckets\": [\(rows)]}")
        } else {
            print("tokens scored: \(result.tokenCount)")
            print(String(format: "perplexity: %.4f", result.perplexity))
            for (start, value) in buckets { print(String(format: "  positions %6d..<%6d  %.4f", start, start + bucket!, value)) }
        }
    }
}
