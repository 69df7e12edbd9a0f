/// Continuing a cache built for an earlier token sequence, so a prefix of a new prompt need not
/// be prefilled again (the server's sessions and prefix cache, `skein chat`).
extension DenseKVCache {
    /// How many leading tokens of `prompt` this cache, which was given exactly `tokens`, can keep;
    /// nil when it must be rebuilt. At least one prompt token is always left to run, so the caller
    /// gets fresh logits.
    ///
    /// When the result is below `tokens.count` the prompt diverges from what the cache holds and
    /// the cache must be cut back with `truncate(to:)`; that is only offered when the cache still
    /// holds every token (no policy evicted any). A prompt that extends `tokens` is served by any
    /// cache, evicting or not.
    public func reusablePrefix(of prompt: [Int], holding tokens: [Int]) -> Int? {
        let common = zip(tokens, prompt).prefix { $0 == $1 }.count
        let target = min(common, prompt.count - 1)
        guard target > 0, tokens.count == nextPosition else { return nil }
        if target == tokens.count { return target }
        return holdsEveryToken ? target : nil
    }
}
