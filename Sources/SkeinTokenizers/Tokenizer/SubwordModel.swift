/// The model step of a tokenizer: turns one pre-tokenized piece into token ids.
///
/// `BPEModel` merges by rank (tokenizer.json and GGUF "gpt2"); `ScoreMergeModel` merges by token
/// score (GGUF "llama", SentencePiece as llama.cpp runs it).
protocol SubwordModel: AnyObject, Sendable {
    /// id -> token ("" for holes in the id range)
    var tokens: [String] { get }
    /// The id of a token string, if the vocabulary has it.
    func id(of token: String) -> Int?
    /// Appends the ids of one piece to `out`.
    func tokenize(_ piece: [Unicode.Scalar], into out: inout [Int])
}
