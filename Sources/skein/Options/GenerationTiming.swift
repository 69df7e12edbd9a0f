import Dispatch
import Foundation

/// Prompt and generation speed of one `skein generate`, printed at the end as llama.cpp does:
/// `prompt: 44 tokens, 812.3 t/s | generation: 8 tokens, 95.1 t/s | first token 61 ms`.
///
/// The prompt's time runs from the start to the first token (prefill plus the first sample);
/// generation speed counts the tokens after the first over the time after it, since the first
/// token comes out of the prompt's forward pass.
struct GenerationTiming {
    let promptTokens: Int
    let start: UInt64
    private(set) var firstToken: UInt64?
    private(set) var lastToken: UInt64?

    init(promptTokens: Int, start: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        self.promptTokens = promptTokens
        self.start = start
    }

    /// Records that a token came out now.
    mutating func tokenArrived(at now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        if firstToken == nil { firstToken = now }
        lastToken = now
    }

    /// The one-line summary for `generated` tokens.
    func summary(generated: Int) -> String {
        guard let firstToken, let lastToken else {
            return "prompt: \(promptTokens) tokens | generation: 0 tokens"
        }
        let promptSeconds = Double(firstToken - start) / 1e9
        let decodeSeconds = Double(lastToken - firstToken) / 1e9
        let promptRate = promptSeconds > 0 ? Double(promptTokens) / promptSeconds : 0
        var line = String(format: "prompt: %d tokens, %.1f t/s | generation: %d tokens", promptTokens, promptRate, generated)
        if generated > 1, decodeSeconds > 0 { line += String(format: ", %.1f t/s", Double(generated - 1) / decodeSeconds) }
        return line + String(format: " | first token %.0f ms", promptSeconds * 1000)
    }
}
