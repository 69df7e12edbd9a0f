/// The scorer a press wrapper (adakv, chunkkv) ranks entries with: a kvpress `ScorerPress`'s
/// `score`, one score per held entry and kv head, higher kept first.
public enum PressScorer: Sendable, Equatable, CustomStringConvertible {
    /// SnapKVPress: the last `window` queries' attention, average-pooled over `kernel` entries;
    /// the window itself scores above every other entry of the layer (kvpress: the layer's
    /// maximum + 1), so it is kept.
    case snapkv(window: Int, kernel: Int)
    /// KnormPress: minus the L2 norm of the entry's key.
    case knorm

    /// The scorers a wrapper accepts, as spelled after `adakv:` or `chunkkv:`.
    public static let names = ["snapkv", "knorm"]

    public var name: String {
        switch self {
        case .snapkv: "snapkv"
        case .knorm: "knorm"
        }
    }

    /// Options of this scorer, after its name: `,window=W,kernel=K` for snapkv.
    public var description: String {
        switch self {
        case .snapkv(let w, let k): "window=\(w),kernel=\(k)"
        case .knorm: ""
        }
    }

    /// What the attention pass records for this scorer.
    public var scoreSource: MemoryScoreSource {
        switch self {
        case .snapkv(let w, _): .observationWindow(w)
        case .knorm: .keyNorm
        }
    }

    /// The press's score of every held entry after a pass of `rows` tokens: (kvHeads, entries).
    ///
    /// - Parameter recorded: what the pass recorded per entry (`scoreSource`): (kvHeads, entries).
    public func scores(_ recorded: [[Float]], rows: Int) -> [[Float]] {
        switch self {
        case .knorm:
            return recorded
        case .snapkv(let window, let kernel):
            // Each head's last min(rows, window, entries) entries are its window.
            let windows = recorded.map { min(rows, window, $0.count) }
            let pooled = zip(recorded, windows).map { MemoryRules.averagePool(Array($0[0..<($0.count - $1)]), kernel: kernel) }
            let top = (pooled.joined().max() ?? 0) + 1
            return zip(pooled, windows).map { $0 + [Float](repeating: top, count: $1) }
        }
    }
}
