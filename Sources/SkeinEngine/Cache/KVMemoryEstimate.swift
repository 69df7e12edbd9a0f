/// Bytes a KV cache holds for a number of tokens, by storage type, computed from the layout of
/// `DenseKVCache` (f32) and `QuantizedHeadStore` (f16, q8, q4) without allocating anything.
/// For policies that keep every token (full attention, the default); scratch buffers are not counted.
public enum KVMemoryEstimate {
    /// Bytes of keys and values for `tokens` tokens kept in `type`.
    public static func bytes(tokens: Int, layers: Int, kvHeads: Int, headDim: Int, type: KVStorageType) -> Int {
        layers * kvHeads * bytesPerHead(tokens: tokens, headDim: headDim, type: type)
    }

    /// Bytes of one (layer, kv head): f32 keys and values, or a quantized store's codes,
    /// f16 parameters, group indices and f32 recent tail.
    static func bytesPerHead(tokens n: Int, headDim hd: Int, type: KVStorageType) -> Int {
        switch type.format {
        case .f32:
            return 2 * n * hd * 4
        case .f16:
            // Every entry closed at once: 2 bytes per element, one Int32 group index per token.
            return 2 * n * hd * 2 + 4 * n
        case .q8, .q4:
            let groups = n < type.residual ? 0 : (n - type.residual) / type.group
            let closed = groups * type.group, tail = n - closed
            let rowBytes = type.format == .q4 ? (hd + 1) / 2 : hd
            let valueGroup = min(type.group, hd), valueGroups = (hd + valueGroup - 1) / valueGroup
            let codes = 2 * closed * rowBytes
            let parameters = 2 * (groups * 2 * hd + closed * 2 * valueGroups)  // f16 (minimum, step) pairs
            return codes + 4 * closed + parameters + 4 * 2 * tail * hd
        }
    }
}
