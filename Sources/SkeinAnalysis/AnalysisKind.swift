/// The analyses `skein analyze` runs; each writes KIND.json, SVG charts and a report section.
public enum AnalysisKind: String, CaseIterable, Codable, Sendable {
    /// Attention entropy, maximum logit, sink and local shares per layer, head and query position.
    case attention
    /// Theoretical receptive field of relative position biases, and the model's empirical one.
    case trf
    /// RoPE wavelengths per dimension, the critical dimension, and what each scaling changes.
    case rope
    /// Relative distances seen in training next to those a policy makes the model see.
    case positions
    /// Log-probability of each token as a function of how many previous tokens are visible.
    case probe

    /// One line for help texts and report headings.
    public var summary: String {
        switch self {
        case .attention: "attention entropy, max logit and sink/local shares vs query position and length"
        case .trf: "theoretical receptive field (ALiBi, KERPLE, RoPE decay) and empirical receptive field"
        case .rope: "RoPE wavelengths per dimension, critical dimension, effect of each scaling"
        case .positions: "relative-distance histogram of training vs a policy at a given length"
        case .probe: "context-length probing: effective context per token"
        }
    }
}
