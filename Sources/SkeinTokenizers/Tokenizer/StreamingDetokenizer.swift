/// Turns a stream of token ids into text pieces that never split a UTF-8 character.
///
/// Decoding token by token breaks multi-byte characters (byte-level and byte-fallback tokens
/// carry parts of one) and loses the spaces some decoders strip at the start. So each step
/// decodes a short window ending at the newest token and emits only what the window adds,
/// holding text back while it ends in an incomplete character (U+FFFD).
public struct StreamingDetokenizer {
    private let tokenizer: Tokenizer
    private let skipSpecialTokens: Bool
    private var ids: [Int] = []
    /// Tokens before `prefixStart` are settled; the window starts here for context.
    private var prefixStart = 0
    /// Tokens before `readStart` have had their text emitted.
    private var readStart = 0
    /// Tokens held back waiting for the rest of a UTF-8 character before giving up (a character
    /// is at most 4 bytes, each at most one token).
    private static let maxHeldBack = 8

    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one token; returns the text it completes (possibly empty).
    /// - Throws: `TokenizerError.unknownTokenId` for an id outside the vocabulary.
    public mutating func append(_ id: Int) throws -> String {
        ids.append(id)
        let prefix = try tokenizer.decode(Array(ids[prefixStart..<readStart]), skipSpecialTokens: skipSpecialTokens)
        let full = try tokenizer.decode(Array(ids[prefixStart...]), skipSpecialTokens: skipSpecialTokens)
        // Scalars, not Characters: a character then a zero-width joiner or a combining mark (or
        // "\r" then "\n") is one Character, so a Character prefix test failed forever and the window grew with every
        // token (quadratic; found by FuzzTokenizer). A character is at most 4 byte tokens, so a
        // window holding more than `maxHeldBack` unemitted tokens ends in a real U+FFFD: emit it.
        let stuck = ids.count - readStart > Self.maxHeldBack
        guard full.unicodeScalars.count > prefix.unicodeScalars.count,
              stuck || full.unicodeScalars.last != "\u{FFFD}", full.unicodeScalars.starts(with: prefix.unicodeScalars) else {
            // Held too long and the window still does not extend what was emitted (a U+FFFD
            // emitted when stuck, completed by a later byte, changes the prefix for good; tokens
            // that decode to nothing never grow it): emit the held tokens alone and start a new
            // window, so it stays bounded (a window grown with every token was quadratic; found
            // by FuzzTokenizer, Fuzz/Corpus/tokenizer/timeout-stream-resync.bin).
            guard stuck else { return "" }
            let text = try tokenizer.decode(Array(ids[readStart...]), skipSpecialTokens: skipSpecialTokens)
            prefixStart = readStart
            readStart = ids.count
            return text
        }
        let text = String(full.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
        prefixStart = readStart
        readStart = ids.count
        return text
    }

    /// Text still held back at the end of the stream (an incomplete character shows as U+FFFD).
    public mutating func finish() throws -> String {
        let prefix = try tokenizer.decode(Array(ids[prefixStart..<readStart]), skipSpecialTokens: skipSpecialTokens)
        let full = try tokenizer.decode(Array(ids[prefixStart...]), skipSpecialTokens: skipSpecialTokens)
        readStart = ids.count
        prefixStart = ids.count
        return String(full.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
    }
}
