import ArgumentParser
import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers

/// `skein chat`: an interactive conversation through the model's chat template.
struct ChatCommand: ParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a model on the terminal (one line per turn; an empty line or EOF ends).")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "A system message to start the conversation with.")
    var system: String?

    func run() throws {
        let folder = try modelOptions.resolvedURL()
        let tokenizer = try ModelTokenizer(path: folder)
        let (model, policy) = try policyOptions.apply(to: TransformerModel.load(path: folder))
        let generationConfig = try GenerationConfiguration.load(directory: folder)
        let stops = Set(model.configuration.eosTokenIds + (generationConfig?.eosTokenIds ?? []) + tokenizer.eosTokenIds)
        var messages: [TemplateValue] = system.map { [["role": "system", "content": .string($0)]] } ?? []
        while true {
            FileHandle.standardError.write(Data("> ".utf8))
            guard let line = readLine(), !line.isEmpty else { break }
            messages.append(["role": "user", "content": .string(line)])
            let ids = try tokenizer.encodeChat(messages)
            policyOptions.warnIfPastReach(tokens: ids.count, model: model, policy: policy, what: "the conversation")
            let request = GenerationRequest(promptTokens: ids, maxTokens: sampling.maxTokens, sampling: sampling.parameters,
                                            stopTokens: stops)
            var stream = StreamingDetokenizer(tokenizer: tokenizer.tokenizer)
            var reply = ""
            let cache = model.makeCache(for: policy, initialCapacity: ids.count + sampling.maxTokens)
            _ = try Generator(model: model, policy: policy).generate(request, cache: cache) { token in
                let text = (try? stream.append(token)) ?? ""
                reply += text
                FileHandle.standardOutput.write(Data(text.utf8))
                return true
            }
            let tail = (try? stream.finish()) ?? ""
            reply += tail
            print(tail)
            messages.append(["role": "assistant", "content": .string(reply)])
        }
    }
}
