import Foundation

/// A tokenizer.json decoder: turns token strings back into text.
enum Decoder: Sendable {
    case byteLevel
    case metaspace(replacement: Unicode.Scalar, stripFirst: Bool)
    case byteFallback
    case fuse
    case wordSuffix(String)
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    case replace(pattern: any SplitPattern, content: String)
    case sequence([Decoder])

    static func make(_ reader: JSONReader) throws -> Decoder {
        let type = try reader.string("type")
        switch type {
        case "ByteLevel": return .byteLevel
        case "Metaspace":
            return .metaspace(replacement: try PreTokenizer.metaspaceReplacement(reader),
                              stripFirst: try PreTokenizer.metaspacePrependScheme(reader) != .never)
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "BPEDecoder": return .wordSuffix(try reader.optionalString("suffix") ?? "</w>")
        case "Strip":
            let content = try reader.string("content")
            guard content.unicodeScalars.count == 1, let scalar = content.unicodeScalars.first else {
                throw reader.failure("content", "expected exactly one character")
            }
            return .strip(content: scalar, start: try reader.int("start", default: 0), stop: try reader.int("stop", default: 0))
        case "Replace":
            return .replace(pattern: try makeSplitPattern(reader, key: "pattern"), content: try reader.string("content"))
        case "Sequence": return .sequence(try reader.children("decoders").map(make))
        default:
            throw TokenizerError.unknownComponent(file: reader.file, kind: "decoder", type: type)
        }
    }

    /// The decoded text of a token list.
    func decode(_ tokens: [String]) -> String { decodeChain(tokens).joined() }

    func decodeChain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            // Tokens outside the byte alphabet (added tokens) contribute their own UTF-8.
            var bytes = [UInt8]()
            for token in tokens { bytes += ByteLevelAlphabet.decode(token) ?? Array(token.utf8) }
            return [String(decoding: bytes, as: UTF8.self)]
        case .metaspace(let replacement, let stripFirst):
            return tokens.enumerated().map { index, token in
                var view = String.UnicodeScalarView()
                for scalar in token.unicodeScalars {
                    if scalar == replacement {
                        if !(index == 0 && stripFirst) { view.append(" ") }
                    } else {
                        view.append(scalar)
                    }
                }
                return String(view)
            }
        case .byteFallback:
            return Self.byteFallback(tokens)
        case .fuse:
            return [tokens.joined()]
        case .wordSuffix(let suffix):
            // The end-of-word marker becomes a space, except on the last token.
            return tokens.enumerated().map { index, token in
                token.replacingOccurrences(of: suffix, with: index == tokens.count - 1 ? "" : " ")
            }
        case .strip(let content, let start, let stop):
            return tokens.map { token in
                let scalars = Array(token.unicodeScalars)
                var lower = 0
                while lower < min(start, scalars.count) && scalars[lower] == content { lower += 1 }
                var upper = scalars.count
                var removed = 0
                while removed < stop && upper > lower && scalars[upper - 1] == content { upper -= 1; removed += 1 }
                return BPEModel.string(scalars[lower..<upper])
            }
        case .replace(let pattern, let content):
            let replacement = Array(content.unicodeScalars)
            return tokens.map { BPEModel.string(replacingMatches(of: pattern, in: Array($0.unicodeScalars), with: replacement)) }
        case .sequence(let steps):
            return steps.reduce(tokens) { $1.decodeChain($0) }
        }
    }

    /// `<0xE4>` tokens become bytes; a run that is not valid UTF-8 becomes one U+FFFD per byte.
    private static func byteFallback(_ tokens: [String]) -> [String] {
        var out = [String]()
        var pending = [UInt8]()
        func flush() {
            guard !pending.isEmpty else { return }
            if let text = String(validating: pending, as: UTF8.self) {
                out.append(text)
            } else {
                out.append(contentsOf: Array(repeating: "\u{FFFD}", count: pending.count))
            }
            pending.removeAll()
        }
        for token in tokens {
            if let byte = byteValue(token) {
                pending.append(byte)
            } else {
                flush()
                out.append(token)
            }
        }
        flush()
        return out
    }

    /// The byte of a `<0xHH>` token.
    static func byteValue(_ token: String) -> UInt8? {
        let utf8 = Array(token.utf8)
        guard utf8.count == 6, utf8[0] == 0x3C, utf8[1] == 0x30, utf8[2] == 0x78, utf8[5] == 0x3E else { return nil }
        return UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16)
    }
}
