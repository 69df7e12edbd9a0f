import Foundation

/// A tokenizer.json post-processor: adds special tokens around an encoded sequence.
enum PostProcessor: Sendable {
    /// The ids to put before and after a single sequence.
    case template(prefix: [Int], suffix: [Int])
    /// Changes offsets only; ids pass through.
    case passThrough
    case sequence([PostProcessor])

    static func make(_ reader: JSONReader) throws -> PostProcessor {
        let type = try reader.string("type")
        switch type {
        case "TemplateProcessing": return try template(reader)
        case "ByteLevel": return .passThrough
        case "BertProcessing", "RobertaProcessing":
            return .template(prefix: [try pairId(reader, "cls")], suffix: [try pairId(reader, "sep")])
        case "Sequence": return .sequence(try reader.children("processors").map(make))
        default:
            throw TokenizerError.unknownComponent(file: reader.file, kind: "post_processor", type: type)
        }
    }

    /// `["<s>", 0]` -> 0
    private static func pairId(_ reader: JSONReader, _ key: String) throws -> Int {
        guard let pair = reader.object[key] as? [Any], pair.count == 2, let id = (pair[1] as? NSNumber)?.intValue else {
            throw reader.failure(key, "expected [token, id]")
        }
        return id
    }

    private static func template(_ reader: JSONReader) throws -> PostProcessor {
        let specials = try reader.child("special_tokens")
        var prefix = [Int]()
        var suffix = [Int]()
        var seenSequence = false
        for (index, item) in try reader.array("single").enumerated() {
            guard let item = item as? [String: Any] else { throw reader.failure("single[\(index)]", "expected an object") }
            if item["Sequence"] != nil {
                seenSequence = true
                continue
            }
            guard let special = item["SpecialToken"] as? [String: Any], let name = special["id"] as? String else {
                throw reader.failure("single[\(index)]", "expected Sequence or SpecialToken")
            }
            let entry = try specials.child(name)
            let ids = try entry.array("ids").map { value -> Int in
                guard let id = (value as? NSNumber)?.intValue else { throw entry.failure("ids", "expected integers") }
                return id
            }
            if seenSequence { suffix += ids } else { prefix += ids }
        }
        return .template(prefix: prefix, suffix: suffix)
    }

    /// Adds the special tokens of a single sequence.
    func process(_ ids: [Int]) -> [Int] {
        switch self {
        case .template(let prefix, let suffix): return prefix + ids + suffix
        case .passThrough: return ids
        case .sequence(let steps): return steps.reduce(ids) { $1.process($0) }
        }
    }
}
