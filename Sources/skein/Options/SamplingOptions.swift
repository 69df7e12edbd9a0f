import ArgumentParser
import SkeinEngine

/// Sampling and length options shared by generate, chat and serve.
struct SamplingOptions: ParsableArguments {
    @Option(name: .long, help: "Tokens to generate at most.")
    var maxTokens: Int = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Keep the smallest set of tokens whose probability reaches P.")
    var topP: Float?

    @Option(help: "Keep the K most likely tokens.")
    var topK: Int?

    @Option(help: "Drop tokens less likely than P times the most likely one.")
    var minP: Float?

    @Option(help: "Penalize tokens already present (> 1 discourages repeats).")
    var repetitionPenalty: Float?

    @Option(help: "Subtract F times each token's count in the output so far from its logit (OpenAI's frequency_penalty, -2...2).")
    var frequencyPenalty: Float?

    @Option(help: "Subtract P from the logit of every token already in the output (OpenAI's presence_penalty, -2...2).")
    var presencePenalty: Float?

    @Option(help: "Random seed for sampling.")
    var seed: UInt64 = 0

    var parameters: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP,
                           repetitionPenalty: repetitionPenalty, frequencyPenalty: frequencyPenalty,
                           presencePenalty: presencePenalty, seed: seed)
    }

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be >= 0") }
        do { try parameters.validate() } catch { throw ValidationError(String(describing: error)) }
    }
}
