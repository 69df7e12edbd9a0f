import Foundation

/// SentencePiece-style merging by token score, as llama.cpp tokenizes a GGUF "llama" vocabulary.
///
/// A piece starts as one symbol per scalar. Repeatedly, the adjacent pair whose concatenation is
/// a token with the highest score is merged (leftmost among equal scores), whatever merges a
/// tokenizer.json would list. Symbols left that are not tokens become `<0xHH>` byte tokens, one
/// per UTF-8 byte, or the unknown token when the vocabulary has no byte token.
final class ScoreMergeModel: SubwordModel, @unchecked Sendable {
    let tokens: [String]
    /// token -> id (the last id wins for duplicate strings, as in llama.cpp)
    private let vocab: [String: Int]
    /// id -> rank of its score, 0 for the highest score
    private let scoreRank: [UInt32]
    private let byteIds: [Int32?]
    private let unknownId: Int?

    /// `tokens` and `scores` have one entry per id.
    init(tokens: [String], scores: [Float], unknownId: Int?) {
        var vocab = [String: Int](minimumCapacity: tokens.count)
        for (id, token) in tokens.enumerated() { vocab[token] = id }
        let distinct = Array(Set(scores)).sorted(by: >)
        let rankOf = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, UInt32($0)) })
        self.tokens = tokens
        self.vocab = vocab
        scoreRank = scores.map { rankOf[$0] ?? UInt32.max }
        byteIds = (0..<256).map { byte in vocab[String(format: "<0x%02X>", byte)].map(Int32.init) }
        self.unknownId = unknownId
    }

    func id(of token: String) -> Int? { vocab[token] }

    func tokenize(_ piece: [Unicode.Scalar], into out: inout [Int]) {
        let n = piece.count
        if n == 0 { return }
        // Symbol i covers piece[start[i]..<end[i]]; dead symbols are unlinked.
        var start = Array(0..<n)
        var end = Array(1...n)
        var next = Array(1...n).map { $0 == n ? -1 : $0 }
        var prev = Array(-1..<(n - 1))
        var queue = MinHeap()
        func pairToken(_ left: Int, _ right: Int) -> Int? {
            vocab[BPEModel.string(piece[start[left]..<end[right]])]
        }
        func push(_ left: Int) {
            guard left >= 0, next[left] >= 0, let id = pairToken(left, next[left]) else { return }
            queue.push(UInt64(scoreRank[id]) << 32 | UInt64(left))
        }
        for i in 0..<(n - 1) { push(i) }
        while let top = queue.pop() {
            let left = Int(top & 0xFFFF_FFFF)
            // A stale entry: the symbol died or the pair at `left` changed since it was queued.
            guard start[left] >= 0 else { continue }
            let right = next[left]
            guard right >= 0, let id = pairToken(left, right),
                  UInt64(scoreRank[id]) == top >> 32 else { continue }
            end[left] = end[right]
            next[left] = next[right]
            if next[right] >= 0 { prev[next[right]] = left }
            start[right] = -1
            push(prev[left])
            push(left)
        }
        var i = 0
        while i >= 0 {
            let text = BPEModel.string(piece[start[i]..<end[i]])
            if let id = vocab[text] {
                out.append(id)
            } else {
                for byte in text.utf8 {
                    if let id = byteIds[Int(byte)] { out.append(Int(id)) } else if let unknownId { out.append(unknownId) }
                }
            }
            i = next[i]
        }
    }
}
