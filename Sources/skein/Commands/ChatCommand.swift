import ArgumentParser
import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers

/// `skein chat`: an interactive conversation through the model's chat template, one KV cache
/// across turns (`ChatSession`), a line editor on a terminal (`LineEditor`), plain lines from a pipe.
struct ChatCommand: ParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a model on the terminal; one KV cache holds the conversation across turns.",
        discussion: """
            One line per turn. On a terminal the line can be edited (arrows, Home/End, Ctrl-A/E, \
            backspace/delete, Up/Down for earlier lines); an empty line just prompts again. Ctrl-C \
            stops a reply (what was generated stays in the conversation) or clears the line; Ctrl-D \
            on an empty line, /exit or the end of piped input leaves. From a pipe each reply is \
            written with its newline as soon as it ends; empty lines are skipped. Under full \
            attention a conversation that outgrows max_position_embeddings (less room for the \
            reply) drops its oldest whole turns until it fills half of that, and the cache is \
            rebuilt for the turns kept (a notice on standard error says how many were dropped). Commands:

            \(ChatCommandLine.helpText)
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var sampling: SamplingOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "A system message to start the conversation with.")
    var system: String?

    func run() throws {
        let folder = try modelOptions.resolvedURL()
        let tokenizer = try ModelTokenizer(path: folder)
        let model = try TransformerModel.load(path: folder)
        let generationConfig = try GenerationConfiguration.load(directory: folder)
        let stops = Set(model.configuration.eosTokenIds + (generationConfig?.eosTokenIds ?? []) + tokenizer.eosTokenIds)
        let session: ChatSession
        do {
            session = try ChatSession(model: model, tokenizer: tokenizer, attention: policyOptions.attention, rope: policyOptions.rope,
                                      kvType: policyOptions.kvType, stopTokens: stops, system: system,
                                      maxTokens: sampling.maxTokens, sampling: sampling.parameters)
        } catch let error as EngineError {
            throw ValidationError(error.description)
        }
        session.notice = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let interrupt = InterruptFlag()
        interrupt.install()
        let input: ChatInput = RawTerminal.isInteractive ? TerminalInput(terminal: RawTerminal()) : PipedInput()
        var loop = ChatLoop(session: session, input: input, interrupt: interrupt, modelFingerprint: ChatFile.fingerprint(of: folder))
        loop.run()
    }
}
