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

    /// The model with its RoPE override applied, and the attention policy built for it (sized for
    /// `inputLength` tokens when the policy was named without keys; see `attentionPolicy`).
    func apply(to model: TransformerModel, inputLength: Int? = nil) throws -> (TransformerModel, AttentionPolicy) {
        do {
            let scaled = try model.withRope(rope)
            if let n = inputLength, let sized = try scaled.sizedAttentionPolicy(attention, kvType: kvType, inputLength: n) {
                FileHandle.standardError.write(Data("note: --attention \(attention) sized for \(n) tokens: \(sized)\n".utf8))
                return (scaled, sized)
            }
            return (scaled, try scaled.attentionPolicy(attention, kvType: kvType))
        } catch let error as EngineError {
            throw ValidationError(error.description)
        }
    }
}

extension PolicyOptions {
    /// A one-line warning on standard error when `tokens` positions run past what the policy
    /// covers with the checkpoint's own RoPE: full attention past `max_position_embeddings`, or a
    /// position-rewriting policy past its reach (`PolicyReach.notice`). Not an error: the run goes on.
    func warnIfPastReach(tokens: Int, model: TransformerModel, policy: AttentionPolicy, what: String = "the prompt") {
        guard rope == "config" else { return }
        let text: String
        if policy.base is FullAttention {
            let reach = model.configuration.maxPositionEmbeddings
            guard tokens > reach else { return }
            text = "\(what) (\(tokens) tokens) is longer than the model's training length (\(reach), max_position_embeddings); "
                + "full attention does not extend it, so expect degraded output (e.g. --attention reattention, self-extend or dca; see `skein policies`)"
        } else {
            guard let notice = PolicyReach.notice(policy: policy, inputLength: tokens, trainingLength: model.trainingLength) else { return }
            text = "\(what) (\(tokens) tokens): \(notice)"
        }
        warn(text)
    }
}
