import Foundation

/// A tokenizer.json normalizer: rewrites text before it is split.
enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case stripAccents
    case prepend(String)
    case replace(pattern: any SplitPattern, content: [Unicode.Scalar])
    case strip(left: Bool, right: Bool)
    case sequence([Normalizer])

    /// Builds the normalizer described by a tokenizer.json object.
    static func make(_ reader: JSONReader) throws -> Normalizer {
        let type = try reader.string("type")
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Prepend": return .prepend(try reader.string("prepend"))
        case "Replace":
            return .replace(pattern: try makeSplitPattern(reader, key: "pattern"),
                            content: Array(try reader.string("content").unicodeScalars))
        case "Strip":
            return .strip(left: try reader.bool("strip_left", default: true),
                          right: try reader.bool("strip_right", default: true))
        case "Sequence":
            return .sequence(try reader.children("normalizers").map(make))
        default:
            throw TokenizerError.unknownComponent(file: reader.file, kind: "normalizer", type: type)
        }
    }

    /// The normalized form of `text`.
    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch self {
        case .nfc: return Self.viaString(text) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: return Self.viaString(text) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc: return Self.viaString(text) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd: return Self.viaString(text) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase:
            // Scalar by scalar, like Rust's `char::to_lowercase` (no final-sigma rule).
            var out = [Unicode.Scalar]()
            out.reserveCapacity(text.count)
            for scalar in text {
                if scalar.value < 0x80 {
                    out.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value | 0x20)! : scalar)
                } else {
                    out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            }
            return out
        case .stripAccents:
            // Every combining mark goes (Mn, Mc and Me), as tokenizers' `is_combining_mark`.
            return text.filter {
                switch $0.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark: return false
                default: return true
                }
            }
        case .prepend(let prefix):
            return text.isEmpty ? text : Array(prefix.unicodeScalars) + text
        case .replace(let pattern, let content):
            return replacingMatches(of: pattern, in: text, with: content)
        case .strip(let left, let right):
            var lower = 0
            var upper = text.count
            if left { while lower < upper && text[lower].properties.isWhitespace { lower += 1 } }
            if right { while upper > lower && text[upper - 1].properties.isWhitespace { upper -= 1 } }
            return Array(text[lower..<upper])
        case .sequence(let steps):
            return steps.reduce(text) { $1.normalize($0) }
        }
    }

    private static func viaString(_ text: [Unicode.Scalar], _ transform: (String) -> String) -> [Unicode.Scalar] {
        // ASCII is already in every normal form.
        if text.allSatisfy({ $0.value < 0x80 }) { return text }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        return Array(transform(String(view)).unicodeScalars)
    }
}
