import SkeinEngine

/// Reuse of a cache built for an earlier token sequence: a prefix of the new prompt need not be
/// prefilled again.
enum CacheReuse {
    /// A cache ready to continue `prompt`, and how many of its tokens it already holds, or nil
    /// when `tokens`' cache cannot serve it. At least one prompt token is always left to run, so
    /// the request gets fresh logits.
    ///
    /// Works when the prompt extends `tokens`, or when it diverges and the cache still holds
    /// every token (no eviction), so it can be cut back to the common prefix.
    static func reuse(tokens: [Int], cache: DenseKVCache, for prompt: [Int], copying: Bool) -> (cache: DenseKVCache, covered: Int)? {
        guard cache.supportsSnapshots, let target = cache.reusablePrefix(of: prompt, holding: tokens) else { return nil }
        let result = copying ? cache.copy() : cache
        if target < tokens.count { result.truncate(to: target) }
        return (result, target)
    }
}

/// The last few prompts' caches, keyed by policy and RoPE, least recently used dropped first.
final class PrefixCache {
    private struct Entry {
        var key: String
        var tokens: [Int]
        var cache: DenseKVCache
    }
    private var entries: [Entry] = []
    let capacity: Int
    let minimumTokens: Int

    init(capacity: Int, minimumTokens: Int) {
        self.capacity = capacity
        self.minimumTokens = minimumTokens
    }

    /// The best reusable copy for `prompt` under `key`, if any.
    func lookup(key: String, prompt: [Int]) -> (cache: DenseKVCache, covered: Int)? {
        var best: (index: Int, result: (cache: DenseKVCache, covered: Int))?
        for (index, entry) in entries.enumerated() where entry.key == key {
            let common = zip(entry.tokens, prompt).prefix { $0 == $1 }.count
            guard common > (best?.result.covered ?? 0) else { continue }
            if let result = CacheReuse.reuse(tokens: entry.tokens, cache: entry.cache, for: prompt, copying: true) {
                best = (index, result)
            }
        }
        guard let best else { return nil }
        entries.append(entries.remove(at: best.index))  // most recently used last
        return best.result
    }

    /// Keeps a copy of `cache`, which holds exactly `tokens`.
    func store(key: String, tokens: [Int], cache: DenseKVCache) {
        guard capacity > 0, tokens.count >= minimumTokens, cache.supportsSnapshots else { return }
        entries.removeAll { $0.key == key && $0.tokens == tokens }
        entries.append(Entry(key: key, tokens: tokens, cache: cache.copy()))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    /// Bytes held by the cached entries.
    var byteCount: Int { entries.reduce(0) { $0 + $1.cache.byteCount } }
}
