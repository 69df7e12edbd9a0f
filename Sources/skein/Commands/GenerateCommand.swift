import ArgumentParser
import Foundation
import SkeinEngine
import SkeinFormats

/// `skein generate`: continue a prompt, streaming the output.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a continuation of a prompt, streamed to stdout.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var policyOptions: PolicyOptions

    @Option(help: "The prompt as comma-separated token ids, e.g. \"1,2,3\" (output is token ids).")
    var promptTokens: String

    @Option(help: "Prompt tokens per forward pass during prefill.")
    var prefillChunk: Int = 512

    func run() throws {
        let ids = try parseTokenList(promptTokens, option: "--prompt-tokens")
        let (model, policy) = try policyOptions.apply(to: TransformerModel.load(directory: modelOptions.resolvedURL()))
        // Stop at the end-of-sequence ids of config.json and generation_config.json.
        let generationConfig = try GenerationConfiguration.load(directory: modelOptions.resolvedURL())
        let stops = Set(model.configuration.eosTokenIds + (generationConfig?.eosTokenIds ?? []))
        let request = GenerationRequest(promptTokens: ids, maxTokens: sampling.maxTokens, sampling: sampling.parameters,
                                        stopTokens: stops, prefillChunk: prefillChunk)
        var first = true
        let cache = model.makeCache(for: policy, initialCapacity: ids.count + sampling.maxTokens)
        _ = try Generator(model: model, policy: policy).generate(request, cache: cache) { token in
            FileHandle.standardOutput.write(Data(((first ? "" : ",") + String(token)).utf8))
            first = false
            return true
        }
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
