import ArgumentParser
import Foundation
import SkeinEngine

/// `--attention NAME[:key=value,...]`, `--kv-type TYPE[:...]` and `--rope NAME[:key=value,...]`, the same on every command.
struct PolicyOptions: ParsableArguments {
    @Option(help: "Attention policy, e.g. full, window:size=4096, streaming:sinks=4,window=1020, self-extend:group=4,window=512 (see `skein policies`).")
    var attention: String = "full"

    @Option(help: "KV cache storage: f32 (default), f16, q8[:residual=N,group=G], q4[:residual=N,group=G] (KIVI-style; see `skein policies`).")
    var kvType: String = "f32"

    @Option(help: "RoPE scaling override: config (default), none, linear:factor=F, ntk, dynamic, yarn, llama3, longrope.")
    var rope: String = "config"

    /// The model with its RoPE override applied, and the attention policy built for it
    /// (`PolicyChoice.resolve`, as eval and serve do): sized for `inputLength` tokens when the
    /// policy was named without keys, with a note on standard error saying so.
    func apply(to model: TransformerModel, inputLength: Int? = nil) throws -> (TransformerModel, AttentionPolicy) {
        do {
            let choice = try PolicyChoice.resolve(model, attention: attention, rope: rope, kvType: kvType, inputLength: inputLength)
            if let note = choice.sizingNote { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            return (choice.model, choice.policy)
        } catch let error as EngineError {
            throw ValidationError(error.description)
        }
    }
}

extension PolicyOptions {
    /// A one-line warning on standard error when `tokens` positions run past what the policy
    /// covers with the checkpoint's own RoPE (`PolicyChoice.reachWarning`). Not an error: the run goes on.
    func warnIfPastReach(tokens: Int, model: TransformerModel, policy: AttentionPolicy, what: String = "the prompt") {
        let choice = PolicyChoice(model: model, policy: policy, attention: attention, rope: rope)
        if let text = choice.reachWarning(tokens: tokens, what: what) { warn(text) }
    }
}
