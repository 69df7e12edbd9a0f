import Foundation
import SkeinTokenizers

/// Turns a job's tokens into text pieces: UTF-8-safe detokenization, then stop strings
/// (text that might begin a stop string is held back until it is clear).
struct TextAssembler {
    private var detokenizer: StreamingDetokenizer
    private let stops: [[Unicode.Scalar]]
    private var pending: [Unicode.Scalar] = []
    /// Set once a stop string matched; no text follows.
    private(set) var stopped = false

    init(tokenizer: Tokenizer, stops: [String]) {
        detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        self.stops = stops.map { Array($0.unicodeScalars) }
    }

    /// The text that `token` lets out.
    mutating func append(_ token: Int) -> String {
        guard !stopped else { return "" }
        return release((try? detokenizer.append(token)) ?? "")
    }

    /// What remains at the end of the stream.
    mutating func finish() -> String {
        guard !stopped else { return "" }
        let text = release((try? detokenizer.finish()) ?? "")
        defer { pending = [] }
        return stopped ? text : text + String(String.UnicodeScalarView(pending))
    }

    private mutating func release(_ piece: String) -> String {
        pending += piece.unicodeScalars
        if let cut = firstStop() {
            stopped = true
            defer { pending = [] }
            return String(String.UnicodeScalarView(pending[..<cut]))
        }
        let hold = heldBack()
        let out = pending[..<(pending.count - hold)]
        pending.removeFirst(pending.count - hold)
        return String(String.UnicodeScalarView(out))
    }

    /// Where the earliest complete stop string starts in `pending`.
    private func firstStop() -> Int? {
        stops.compactMap { stop -> Int? in
            guard stop.count <= pending.count else { return nil }
            return (0...(pending.count - stop.count)).first { pending[$0..<($0 + stop.count)].elementsEqual(stop) }
        }.min()
    }

    /// The length of the longest tail of `pending` that starts some stop string.
    private func heldBack() -> Int {
        var longest = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, pending.count), to: longest, by: -1)
            where pending[(pending.count - length)...].elementsEqual(stop[..<length]) {
                longest = length
                break
            }
        }
        return longest
    }
}
