/// The size of a kvpress-style press: kvpress's compression ratio (the fraction of the prompt
/// *removed*), or a number of entries kept per head.
public enum PressBudget: Sendable, Equatable, CustomStringConvertible {
    /// kvpress's `compression_ratio`, in (0, 1): this fraction of the entries is removed.
    case ratio(Double)
    /// This many entries kept per head (at most what is held).
    case entries(Int)

    /// Entries kept of `n`: kvpress's `max(1, int(n * (1 - ratio)))`, or `min(n, entries)`.
    public func kept(of n: Int) -> Int {
        switch self {
        case .ratio(let r): max(1, Int((Double(n) * (1 - r)).rounded(.towardZero)))
        case .entries(let e): min(n, e)
        }
    }

    /// Entries kept of `n` before rounding (PyramidKV's budget formula): `n * (1 - ratio)`, or `entries`.
    public func keptExactly(of n: Int) -> Double {
        switch self {
        case .ratio(let r): Double(n) * (1 - r)
        case .entries(let e): Double(min(n, e))
        }
    }

    public var description: String {
        switch self {
        case .ratio(let r): "ratio=\(r)"
        case .entries(let e): "budget=\(e)"
        }
    }
}
