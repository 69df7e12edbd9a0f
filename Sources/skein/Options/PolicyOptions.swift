import ArgumentParser
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
