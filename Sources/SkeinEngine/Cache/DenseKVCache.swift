/// Keys and values of every past token, for every layer: the baseline "memory" of full attention.
///
/// Per layer, keys and values are stored (kvHeads, capacity, headDim) so one head's keys are
/// contiguous. Keys are stored after RoPE, at the position they were written with.
public final class DenseKVCache {
    public let layerCount: Int
    public let kvHeadCount: Int
    public let headDim: Int
    /// Tokens stored (the same for every layer once a forward pass completes).
    public private(set) var count: Int = 0
    public private(set) var capacity: Int
    private var keys: [UnsafeMutablePointer<Float>]     // per layer: (kvHeads, capacity, headDim)
    private var values: [UnsafeMutablePointer<Float>]   // per layer: (kvHeads, capacity, headDim)

    public init(layerCount: Int, kvHeadCount: Int, headDim: Int, initialCapacity: Int = 256) {
        self.layerCount = layerCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        capacity = max(1, initialCapacity)
        let size = kvHeadCount * capacity * headDim
        keys = (0..<layerCount).map { _ in .allocate(capacity: size) }
        values = (0..<layerCount).map { _ in .allocate(capacity: size) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Bytes held by keys and values (allocated capacity).
    public var byteCount: Int { 2 * layerCount * kvHeadCount * capacity * headDim * MemoryLayout<Float>.size }

    /// Makes room for `additional` more tokens, growing geometrically.
    public func reserve(_ additional: Int) {
        let needed = count + additional
        guard needed > capacity else { return }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        for layer in 0..<layerCount {
            keys[layer] = regrow(keys[layer], newCapacity: newCapacity)
            values[layer] = regrow(values[layer], newCapacity: newCapacity)
        }
        capacity = newCapacity
    }

    private func regrow(_ old: UnsafeMutablePointer<Float>, newCapacity: Int) -> UnsafeMutablePointer<Float> {
        let fresh = UnsafeMutablePointer<Float>.allocate(capacity: kvHeadCount * newCapacity * headDim)
        for h in 0..<kvHeadCount {
            (fresh + h * newCapacity * headDim).update(from: old + h * capacity * headDim, count: count * headDim)
        }
        old.deallocate()
        return fresh
    }

    /// Key of token `index` for one layer and head: headDim values.
    @inlinable
    public func key(layer: Int, head: Int, index: Int) -> UnsafeMutablePointer<Float> {
        keyBase(layer: layer, head: head) + index * headDim
    }

    /// First key of one layer's head; keys of consecutive tokens follow at a stride of headDim.
    public func keyBase(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        keys[layer] + head * capacity * headDim
    }

    /// First value of one layer's head; values of consecutive tokens follow at a stride of headDim.
    public func valueBase(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        values[layer] + head * capacity * headDim
    }

    /// Marks `n` more tokens as stored after every layer has written them at indices count..<count+n.
    public func commit(_ n: Int) {
        precondition(count + n <= capacity)
        count += n
    }

    /// Drops every token from `newCount` on (for rewinding a generation).
    public func truncate(to newCount: Int) {
        count = max(0, min(count, newCount))
    }
}
