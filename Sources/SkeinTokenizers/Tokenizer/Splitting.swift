/// A piece of text on its way through the pre-tokenizers.
struct Piece {
    /// (scalars)
    var scalars: [Unicode.Scalar]
    /// Whether the piece begins at offset 0 of the original input (Metaspace's "first").
    var atStart: Bool
}

/// How the matches of a split pattern become pieces (tokenizer.json's `behavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    static func make(_ reader: JSONReader, key: String) throws -> SplitBehavior {
        let name = try reader.string(key)
        guard let behavior = SplitBehavior(rawValue: name) else {
            throw TokenizerError.unknownComponent(file: reader.file, kind: "split behavior", type: name)
        }
        return behavior
    }
}

/// Splits `piece` at `matches`; with `invert`, the matches are the content and the gaps the delimiters.
///
/// Follows tokenizers' `NormalizedString::split`: the matches and the gaps between them cover
/// the text, the behavior merges or drops them, and empty pieces vanish.
func splitPiece(_ piece: Piece, matches: [Range<Int>], behavior: SplitBehavior, invert: Bool = false) -> [Piece] {
    let text = piece.scalars
    if text.isEmpty { return [] }
    // (range, isDelimiter) covering the whole text.
    var segments = [(range: Range<Int>, isMatch: Bool)]()
    segments.reserveCapacity(matches.count * 2 + 1)
    var last = 0
    for match in matches {
        if last < match.lowerBound { segments.append((last..<match.lowerBound, invert)) }
        segments.append((match, !invert))
        last = match.upperBound
    }
    if last < text.count { segments.append((last..<text.count, invert)) }

    var kept = [(range: Range<Int>, remove: Bool)]()
    kept.reserveCapacity(segments.count)
    switch behavior {
    case .isolated:
        kept = segments.map { ($0.range, false) }
    case .removed:
        kept = segments.map { ($0.range, $0.isMatch) }
    case .contiguous:
        var previousMatch = false
        for segment in segments {
            if segment.isMatch == previousMatch, let tail = kept.last {
                kept[kept.count - 1] = (tail.range.lowerBound..<segment.range.upperBound, false)
            } else {
                kept.append((segment.range, false))
            }
            previousMatch = segment.isMatch
        }
    case .mergedWithPrevious:
        var previousMatch = false
        for segment in segments {
            if segment.isMatch && !previousMatch, let tail = kept.last {
                kept[kept.count - 1] = (tail.range.lowerBound..<segment.range.upperBound, false)
            } else {
                kept.append((segment.range, false))
            }
            previousMatch = segment.isMatch
        }
    case .mergedWithNext:
        var previousMatch = false
        for segment in segments.reversed() {
            if segment.isMatch && !previousMatch, let head = kept.last {
                kept[kept.count - 1] = (segment.range.lowerBound..<head.range.upperBound, false)
            } else {
                kept.append((segment.range, false))
            }
            previousMatch = segment.isMatch
        }
        kept.reverse()
    }
    return kept.compactMap { entry in
        guard !entry.remove, !entry.range.isEmpty else { return nil }
        return Piece(scalars: Array(text[entry.range]), atStart: piece.atStart && entry.range.lowerBound == 0)
    }
}

/// One match per scalar that passes `test` (tokenizers' `Fn(char) -> bool` pattern).
func scalarMatches(_ text: [Unicode.Scalar], _ test: (Unicode.Scalar) -> Bool) -> [Range<Int>] {
    var result = [Range<Int>]()
    for (index, scalar) in text.enumerated() where test(scalar) { result.append(index..<(index + 1)) }
    return result
}
