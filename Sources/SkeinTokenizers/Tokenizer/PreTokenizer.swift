/// A tokenizer.json pre-tokenizer: splits normalized text into the pieces the model sees.
enum PreTokenizer: Sendable {
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case metaspace(replacement: Unicode.Scalar, prepend: PrependScheme, split: Bool)
    case split(pattern: any SplitPattern, behavior: SplitBehavior, invert: Bool)
    case digits(individual: Bool)
    case whitespace
    case whitespaceSplit
    case punctuation(SplitBehavior)
    case sequence([PreTokenizer])
    /// llama.cpp's SentencePiece preparation of one text fragment: a space before it (when
    /// `addPrefix`, even if it starts with one), then every space becomes U+2581.
    case escapeWhitespace(addPrefix: Bool)

    /// When Metaspace puts a replacement character before a piece.
    enum PrependScheme: String, Sendable {
        case always, first, never
    }

    static let gpt2Scanner = ScannerPattern(style: .gpt2)

    /// Builds the pre-tokenizer described by a tokenizer.json object.
    static func make(_ reader: JSONReader) throws -> PreTokenizer {
        let type = try reader.string("type")
        switch type {
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try reader.bool("add_prefix_space", default: true),
                              useRegex: try reader.bool("use_regex", default: true))
        case "Metaspace":
            return .metaspace(replacement: try metaspaceReplacement(reader),
                              prepend: try metaspacePrependScheme(reader),
                              split: try reader.bool("split", default: true))
        case "Split":
            return .split(pattern: try makeSplitPattern(reader, key: "pattern"),
                          behavior: try SplitBehavior.make(reader, key: "behavior"),
                          invert: try reader.bool("invert", default: false))
        case "Digits": return .digits(individual: try reader.bool("individual_digits", default: false))
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "Punctuation":
            return .punctuation(reader.isNull("behavior") ? .isolated : try SplitBehavior.make(reader, key: "behavior"))
        case "Sequence": return .sequence(try reader.children("pretokenizers").map(make))
        default:
            throw TokenizerError.unknownComponent(file: reader.file, kind: "pre_tokenizer", type: type)
        }
    }

    static func metaspaceReplacement(_ reader: JSONReader) throws -> Unicode.Scalar {
        let text = try reader.optionalString("replacement") ?? "\u{2581}"
        guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
            throw reader.failure("replacement", "expected exactly one character")
        }
        return scalar
    }

    static func metaspacePrependScheme(_ reader: JSONReader) throws -> PrependScheme {
        if try reader.bool("add_prefix_space", default: true) == false { return .never }
        guard let name = try reader.optionalString("prepend_scheme") else { return .always }
        guard let scheme = PrependScheme(rawValue: name) else {
            throw reader.failure("prepend_scheme", "expected always, first or never")
        }
        return scheme
    }

    /// Splits every piece; pieces never come out empty.
    func preTokenize(_ pieces: [Piece]) -> [Piece] {
        switch self {
        case .sequence(let steps):
            return steps.reduce(pieces) { $1.preTokenize($0) }
        default:
            var out = [Piece]()
            out.reserveCapacity(pieces.count)
            for piece in pieces { out.append(contentsOf: preTokenize(piece)) }
            return out
        }
    }

    private func preTokenize(_ piece: Piece) -> [Piece] {
        switch self {
        case .byteLevel(let addPrefixSpace, let useRegex):
            var piece = piece
            if addPrefixSpace && piece.scalars.first != " " { piece.scalars.insert(" ", at: 0) }
            let parts = useRegex
                ? splitPiece(piece, matches: Self.gpt2Scanner.matches(in: piece.scalars), behavior: .isolated)
                : [piece]
            return parts.map { Piece(scalars: ByteLevelAlphabet.encode($0.scalars[...]), atStart: $0.atStart) }
        case .metaspace(let replacement, let prepend, let splitPieces):
            var piece = piece
            for index in piece.scalars.indices where piece.scalars[index] == " " {
                piece.scalars[index] = replacement
            }
            let prependHere = prepend == .always || (prepend == .first && piece.atStart)
            if prependHere && piece.scalars.first != replacement { piece.scalars.insert(replacement, at: 0) }
            guard splitPieces else { return [piece] }
            return splitPiece(piece, matches: scalarMatches(piece.scalars) { $0 == replacement }, behavior: .mergedWithNext)
        case .split(let pattern, let behavior, let invert):
            return splitPiece(piece, matches: pattern.matches(in: piece.scalars), behavior: behavior, invert: invert)
        case .digits(let individual):
            return splitPiece(piece, matches: scalarMatches(piece.scalars, CharacterClass.isNumber),
                         behavior: individual ? .isolated : .contiguous)
        case .whitespace:
            return splitPiece(piece, matches: Self.wordOrSymbolRuns(piece.scalars), behavior: .removed, invert: true)
        case .whitespaceSplit:
            return splitPiece(piece, matches: scalarMatches(piece.scalars) { $0.properties.isWhitespace }, behavior: .removed)
        case .punctuation(let behavior):
            return splitPiece(piece, matches: scalarMatches(piece.scalars, Self.isPunctuation), behavior: behavior)
        case .sequence(let steps):
            return steps.reduce([piece]) { $1.preTokenize($0) }
        case .escapeWhitespace(let addPrefix):
            var scalars = addPrefix ? [" "] + piece.scalars : piece.scalars
            for index in scalars.indices where scalars[index] == " " { scalars[index] = "\u{2581}" }
            return [Piece(scalars: scalars, atStart: piece.atStart)]
        }
    }

    /// Matches of `\w+|[^\w\s]+`.
    static func wordOrSymbolRuns(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        var result = [Range<Int>]()
        var i = 0
        while i < text.count {
            if text[i].properties.isWhitespace { i += 1; continue }
            let word = CharacterClass.isWord(text[i])
            var j = i + 1
            while j < text.count && !text[j].properties.isWhitespace && CharacterClass.isWord(text[j]) == word { j += 1 }
            result.append(i..<j)
            i = j
        }
        return result
    }

    /// BERT's punctuation: ASCII symbols and Unicode P* categories.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }
}
