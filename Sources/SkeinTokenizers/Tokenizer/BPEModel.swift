import Foundation

/// The byte-pair-encoding model of tokenizer.json: a vocabulary and ranked merges.
///
/// Tokenizing a piece starts from one symbol per scalar (or per UTF-8 byte with byte
/// fallback) and repeatedly merges the adjacent pair of lowest rank, leftmost first, exactly
/// as tokenizers' `Word::merge_all` does. A priority queue keeps a piece of n scalars at
/// O(n log n), so a megabyte without split points stays fast.
final class BPEModel: SubwordModel, @unchecked Sendable {
    /// token -> id
    let vocab: [String: Int]
    /// id -> token ("" for holes in the id range)
    let tokens: [String]
    /// single-scalar tokens: scalar value -> id
    private let scalarIds: [UInt32: Int32]
    /// (left id << 32 | right id) -> (rank << 32 | merged id)
    private let merges: [UInt64: UInt64]
    private let unknownId: Int32?
    private let fuseUnknown: Bool
    private let byteFallback: Bool
    private let ignoreMerges: Bool
    private let subwordPrefix: String?
    private let wordSuffix: String?
    /// "<0x00>".."<0xFF>" ids when byte fallback is on.
    private let byteIds: [Int32?]

    private let cacheLock = NSLock()
    private var cache: [[Unicode.Scalar]: [Int32]] = [:]
    private static let cacheLimit = 50_000

    /// Reads tokenizer.json's `model` object.
    convenience init(_ reader: JSONReader) throws {
        let type = try reader.optionalString("type") ?? "BPE"
        guard type == "BPE" else {
            throw TokenizerError.unknownComponent(file: reader.file, kind: "model", type: type)
        }
        if let dropout = reader.object["dropout"] as? NSNumber, dropout.doubleValue > 0 {
            throw reader.failure("dropout", "BPE dropout is random; Skein only encodes deterministically")
        }
        guard let rawVocab = reader.object["vocab"] as? [String: Any] else {
            throw reader.failure("vocab", "expected an object of token -> id")
        }
        var vocab = [String: Int](minimumCapacity: rawVocab.count)
        var maxId = -1
        for (token, value) in rawVocab {
            guard let number = value as? NSNumber, let id = Int(exactly: number.doubleValue), id >= 0, id < 1 << 31 else {
                throw reader.failure("vocab", "id of token \(token.debugDescription) is not a non-negative integer")
            }
            vocab[token] = id
            maxId = max(maxId, id)
        }
        var tokens = [String](repeating: "", count: maxId + 1)
        for (token, id) in vocab { tokens[id] = token }
        let subwordPrefix = try reader.optionalString("continuing_subword_prefix")
        var unknownId: Int?
        if let unk = try reader.optionalString("unk_token") {
            guard let id = vocab[unk] else { throw reader.failure("unk_token", "\(unk.debugDescription) is not in the vocabulary") }
            unknownId = id
        }
        let list = reader.isNull("merges") ? [] : try reader.array("merges")
        var pairs = [(String, String)]()
        pairs.reserveCapacity(list.count)
        for (rank, entry) in list.enumerated() {
            var pair = [String]()
            if let text = entry as? String {
                pair = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            } else if let array = entry as? [String] {
                pair = array
            }
            guard pair.count == 2 else { throw reader.failure("merges[\(rank)]", "expected \"a b\" or [\"a\", \"b\"]") }
            pairs.append((pair[0], pair[1]))
        }
        try self.init(
            vocab: vocab, tokens: tokens, merges: pairs,
            options: Options(unknownId: unknownId, fuseUnknown: try reader.bool("fuse_unk", default: false),
                             byteFallback: try reader.bool("byte_fallback", default: false),
                             ignoreMerges: try reader.bool("ignore_merges", default: false),
                             subwordPrefix: subwordPrefix, wordSuffix: try reader.optionalString("end_of_word_suffix")),
            mergeError: { rank, pair in reader.failure("merges[\(rank)]", "\(pair) uses a token that is not in the vocabulary") })
    }

    /// How a BPE model treats unknown scalars and whole-word tokens.
    struct Options {
        var unknownId: Int?
        var fuseUnknown = false
        var byteFallback = false
        var ignoreMerges = false
        var subwordPrefix: String?
        var wordSuffix: String?
    }

    /// A model from its parts: `vocab` maps token -> id, `tokens` id -> token ("" for holes),
    /// `merges` in rank order. `mergeError(rank, pair)` makes the error for a merge whose tokens
    /// are not in the vocabulary.
    init(vocab: [String: Int], tokens: [String], merges pairs: [(String, String)], options: Options,
         mergeError: (Int, [String]) -> TokenizerError) throws {
        var scalarIds = [UInt32: Int32]()
        for (id, token) in tokens.enumerated() where vocab[token] == id {
            let scalars = token.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first { scalarIds[scalar.value] = Int32(id) }
        }
        self.vocab = vocab
        self.tokens = tokens
        self.scalarIds = scalarIds
        subwordPrefix = options.subwordPrefix
        wordSuffix = options.wordSuffix
        fuseUnknown = options.fuseUnknown
        byteFallback = options.byteFallback
        ignoreMerges = options.ignoreMerges
        unknownId = options.unknownId.map(Int32.init)
        byteIds = (0..<256).map { byte in vocab[String(format: "<0x%02X>", byte)].map(Int32.init) }
        var merges = [UInt64: UInt64](minimumCapacity: pairs.count)
        for (rank, (left, right)) in pairs.enumerated() {
            var suffix = right
            if let prefix = subwordPrefix, suffix.hasPrefix(prefix) { suffix.removeFirst(prefix.count) }
            guard let a = vocab[left], let b = vocab[right], let merged = vocab[left + suffix] else {
                throw mergeError(rank, [left, right])
            }
            let key = UInt64(a) << 32 | UInt64(b)
            if merges[key] == nil { merges[key] = UInt64(rank) << 32 | UInt64(merged) }
        }
        self.merges = merges
    }

    /// The id of a token string, if the vocabulary has it.
    func id(of token: String) -> Int? { vocab[token] }

    /// Token ids of one pre-tokenized piece.
    func tokenize(_ piece: [Unicode.Scalar], into out: inout [Int]) {
        if piece.isEmpty { return }
        if ignoreMerges, let id = vocab[Self.string(piece)] {
            out.append(id)
            return
        }
        cacheLock.lock()
        let cached = cache[piece]
        cacheLock.unlock()
        if let cached {
            for id in cached { out.append(Int(id)) }
            return
        }
        let ids = merge(initialSymbols(piece))
        for id in ids { out.append(Int(id)) }
        if piece.count < 256 {
            cacheLock.lock()
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[piece] = ids
            cacheLock.unlock()
        }
    }

    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// One symbol per scalar, with byte fallback and unknown-token fusing as tokenizers does.
    private func initialSymbols(_ piece: [Unicode.Scalar]) -> [Int32] {
        var symbols = [Int32]()
        symbols.reserveCapacity(piece.count)
        var pendingUnknown = false
        let affixes = subwordPrefix != nil || wordSuffix != nil
        for (index, scalar) in piece.enumerated() {
            let id: Int32?
            if affixes {
                var text = String(Character(scalar))
                if index > 0, let prefix = subwordPrefix { text = prefix + text }
                if index == piece.count - 1, let suffix = wordSuffix { text += suffix }
                id = vocab[text].map(Int32.init)
            } else {
                id = scalarIds[scalar.value]
            }
            if let id {
                if pendingUnknown, let unknownId { symbols.append(unknownId) }
                pendingUnknown = false
                symbols.append(id)
                continue
            }
            if byteFallback {
                let bytes = Array(UTF8.encode(scalar)!)
                if bytes.allSatisfy({ byteIds[Int($0)] != nil }) {
                    for byte in bytes { symbols.append(byteIds[Int(byte)]!) }
                    continue
                }
            }
            if let unknownId {
                if pendingUnknown && !fuseUnknown { symbols.append(unknownId) }
                pendingUnknown = true
            }
        }
        if pendingUnknown, let unknownId { symbols.append(unknownId) }
        return symbols
    }

    /// Applies merges lowest rank first (leftmost among equals) until none applies.
    private func merge(_ ids: [Int32]) -> [Int32] {
        let n = ids.count
        if n < 2 { return ids }
        var id = ids
        var next = Array(1...n).map { $0 == n ? -1 : $0 }
        var prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var queue = MinHeap()
        func rank(_ left: Int32, _ right: Int32) -> UInt64? {
            merges[UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))]
        }
        for i in 0..<(n - 1) {
            if let entry = rank(id[i], id[i + 1]) { queue.push((entry >> 32) << 32 | UInt64(i)) }
        }
        while let top = queue.pop() {
            let position = Int(top & 0xFFFF_FFFF)
            let topRank = top >> 32
            guard alive[position], next[position] >= 0 else { continue }
            let right = next[position]
            guard let entry = rank(id[position], id[right]), entry >> 32 == topRank else { continue }
            id[position] = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF)
            alive[right] = false
            next[position] = next[right]
            if next[right] >= 0 { prev[next[right]] = position }
            if prev[position] >= 0, let entry = rank(id[prev[position]], id[position]) {
                queue.push((entry >> 32) << 32 | UInt64(prev[position]))
            }
            if next[position] >= 0, let entry = rank(id[position], id[next[position]]) {
                queue.push((entry >> 32) << 32 | UInt64(position))
            }
        }
        var result = [Int32]()
        var i = 0
        while i >= 0 {
            result.append(id[i])
            i = next[i]
        }
        return result
    }
}

/// A binary min-heap of packed (rank << 32 | position) keys.
struct MinHeap {
    private var items = [UInt64]()

    mutating func push(_ value: UInt64) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= items.count { break }
            let right = left + 1
            let child = right < items.count && items[right] < items[left] ? right : left
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            parent = child
        }
        return first
    }
}
