/// An `fnmatch`-style pattern for `skein pull --include`: `*` matches any run of characters
/// (`/` included, as huggingface_hub's `allow_patterns`), `?` any one character; every other
/// character matches itself.
public struct GlobPattern: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    private let pattern: [Character]

    public init(_ text: String) {
        description = text
        pattern = Array(text)
    }

    /// True when the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        let s = Array(text)
        // Greedy matching with backtracking to the last `*`: linear in practice, no recursion.
        var p = 0, t = 0
        var star: Int?, resume = 0
        while t < s.count {
            if p < pattern.count, pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == s[t]) {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if let star {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
