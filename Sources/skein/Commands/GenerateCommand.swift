import ArgumentParser
import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers

/// `skein generate`: continue a prompt, streaming the output.
struct GenerateCommand: ParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a continuation of a prompt, streamed to stdout.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "The prompt text, encoded with the model's tokenizer.json (output is text).")
    var prompt: String?

    @Option(help: "The prompt as comma-separated token ids, e.g. \"1,2,3\" (output is token ids).")
    var promptTokens: String?

    @Flag(help: "Wrap --prompt in the model's chat template as one user message.")
    var chat = false

    @Option(help: "Prompt tokens per forward pass during prefill.")
    var prefillChunk: Int = 512

    func validate() throws {
        guard (prompt == nil) != (promptTokens == nil) else {
            throw ValidationError("give exactly one of --prompt and --prompt-tokens")
        }
        if chat && prompt == nil { throw ValidationError("--chat needs --prompt") }
    }

    func run() throws {
        let folder = try modelOptions.resolvedURL()
        let tokenizer = prompt == nil ? nil : try ModelTokenizer(path: folder)
        let ids: [Int]
        if let prompt, let tokenizer {
            ids = chat ? try tokenizer.encodeChat([["role": "user", "content": .string(prompt)]]) : tokenizer.encode(prompt)
        } else {
            ids = try parseTokenList(promptTokens ?? "", option: "--prompt-tokens")
        }
        let (model, policy) = try policyOptions.apply(to: TransformerModel.load(path: folder), inputLength: ids.count + sampling.maxTokens)
        policyOptions.warnIfPastReach(tokens: ids.count, model: model, policy: policy)
        // Stop at the end-of-sequence ids of config.json, generation_config.json and the tokenizer.
        let generationConfig = try GenerationConfiguration.load(directory: folder)
        let stops = Set(model.configuration.eosTokenIds + (generationConfig?.eosTokenIds ?? []) + (tokenizer?.eosTokenIds ?? []))
        let request = GenerationRequest(promptTokens: ids, maxTokens: sampling.maxTokens, sampling: sampling.parameters,
                                        stopTokens: stops, prefillChunk: prefillChunk)
        var first = true
        var stream = tokenizer.map { StreamingDetokenizer(tokenizer: $0.tokenizer) }
        let cache = model.makeCache(for: policy, initialCapacity: ids.count + sampling.maxTokens)
        var timing = GenerationTiming(promptTokens: ids.count)
        let result = try Generator(model: model, policy: policy).generate(request, cache: cache) { token in
            timing.tokenArrived()
            if stream != nil {
                let text = (try? stream!.append(token)) ?? ""
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                FileHandle.standardOutput.write(Data(((first ? "" : ",") + String(token)).utf8))
            }
            first = false
            return true
        }
        if stream != nil { FileHandle.standardOutput.write(Data(((try? stream!.finish()) ?? "").utf8)) }
        FileHandle.standardOutput.write(Data("\n".utf8))
        FileHandle.standardError.write(Data((timing.summary(generated: result.tokens.count) + "\n").utf8))
    }
}
