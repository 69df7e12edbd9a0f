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

    /// The model with its RoPE override applied, and the attention policy built for it.
    func apply(to model: TransformerModel) throws -> (TransformerModel, AttentionPolicy) {
        do {
            let scaled = try model.withRope(rope)
            return (scaled, try scaled.attentionPolicy(attention, kvType: kvType))
        } catch let error as EngineError {
            throw ValidationError(error.description)
        }
    }
}

extension PolicyOptions {
    /// A one-line warning on standard error when `tokens` positions run past the model's
    /// `max_position_embeddings` under full attention with the checkpoint's own RoPE: nothing then
    /// keeps positions inside what the model was trained on. Not an error: the run goes on.
    func warnIfPastReach(tokens: Int, model: TransformerModel, policy: AttentionPolicy, what: String = "the prompt") {
        let reach = model.configuration.maxPositionEmbeddings
        guard tokens > reach, policy.base is FullAttention, rope == "config" else { return }
        let text = "warning: \(what) (\(tokens) tokens) is longer than the model's training length (\(reach), max_position_embeddings); "
            + "full attention does not extend it, so expect degraded output (e.g. --attention self-extend, dca or streaming; see `skein policies`)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
