import SkeinTensor

/// One (layer, kv head)'s keys and values in a quantized `KVStorageType`: closed entries as codes,
/// then a tail of recent entries at f32. Entries are in slot order (closed first).
///
/// Keys of a closed group share per-channel (minimum, step) pairs; each closed entry names its
/// group, so evicting entries moves codes without re-quantizing anything. Values carry per-token
/// (minimum, step) pairs per group of channels. Parameters are stored as f16.
struct QuantizedHeadStore {
    let type: KVStorageType
    let headDim: Int
    /// Codes of closed entries: (closed, rowBytes).
    private(set) var keyCodes: [UInt8] = []
    private(set) var valueCodes: [UInt8] = []
    /// The key group of each closed entry: (closed).
    private(set) var keyGroupOf: [Int32] = []
    /// Per key group, per channel: minimum then step, f16 bits: (groups, 2 * headDim).
    private(set) var keyParameters: [UInt16] = []
    /// Per closed entry, per value group: minimum then step, f16 bits: (closed, 2 * valueGroups).
    private(set) var valueParameters: [UInt16] = []
    /// Recent entries at f32: (tail, headDim).
    private(set) var tailKeys: [Float] = []
    private(set) var tailValues: [Float] = []

    init(type: KVStorageType, headDim: Int) {
        self.type = type
        self.headDim = headDim
    }

    var closedCount: Int { keyGroupOf.count }
    var tailCount: Int { tailKeys.count / headDim }
    var count: Int { closedCount + tailCount }
    private var isFloat16: Bool { type.format == .f16 }
    private var rowBytes: Int { isFloat16 ? 2 * headDim : (type.format == .q4 ? (headDim + 1) / 2 : headDim) }
    private var valueGroup: Int { min(type.group, headDim) }
    private var valueGroups: Int { (headDim + valueGroup - 1) / valueGroup }
    private var keyGroupCount: Int { keyParameters.count / (2 * headDim) }

    /// Bytes held: codes, group parameters, group indices and the f32 tail.
    var byteCount: Int {
        keyCodes.count + valueCodes.count + 4 * keyGroupOf.count + 2 * (keyParameters.count + valueParameters.count)
            + 4 * (tailKeys.count + tailValues.count)
    }

    /// Appends `n` entries (keys and values of (n, headDim) each) to the tail, then closes groups:
    /// key groups of `group` tokens once the tail exceeds `residual + group` (f16: everything).
    mutating func append(keys: UnsafePointer<Float>, values: UnsafePointer<Float>, count n: Int) {
        tailKeys.append(contentsOf: UnsafeBufferPointer(start: keys, count: n * headDim))
        tailValues.append(contentsOf: UnsafeBufferPointer(start: values, count: n * headDim))
        let step = isFloat16 ? 1 : type.group
        while tailCount >= (isFloat16 ? 1 : type.residual + step) { closeOldest(step) }
    }

    /// Dequantizes every entry into (count, headDim) rows at `keys` / `values`. With residual 0 the
    /// still-open key group is read as if closed (quantize-dequantize of its f32 originals).
    func materialize(keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        let hd = headDim
        decodeClosed(keys: keys, values: values)
        let tail = tailCount, first = closedCount
        guard tail > 0 else { return }
        tailKeys.withUnsafeBufferPointer { k in tailValues.withUnsafeBufferPointer { v in
            (keys + first * hd).update(from: k.baseAddress!, count: tail * hd)
            (values + first * hd).update(from: v.baseAddress!, count: tail * hd)
            if type.residual == 0 && !isFloat16 {
                var open = QuantizedHeadStore(type: type, headDim: hd)
                open.tailKeys = Array(k)
                open.tailValues = Array(v)
                open.closeOldest(tail)
                open.materialize(keys: keys + first * hd, values: values + first * hd)
            }
        } }
    }

    /// The hot loop of decoding: runs once per layer and step over every closed entry, so it
    /// reads codes through raw pointers and converts each group's parameters once.
    private func decodeClosed(keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>) {
        let hd = headDim, rb = rowBytes, n = closedCount
        guard n > 0 else { return }
        keyCodes.withUnsafeBufferPointer { kcb in valueCodes.withUnsafeBufferPointer { vcb in
        keyParameters.withUnsafeBufferPointer { kpb in valueParameters.withUnsafeBufferPointer { vpb in
        keyGroupOf.withUnsafeBufferPointer { groups in
            let kc = kcb.baseAddress!, vc = vcb.baseAddress!
            if isFloat16 {
                kc.withMemoryRebound(to: UInt16.self, capacity: n * hd) { k in
                    vc.withMemoryRebound(to: UInt16.self, capacity: n * hd) { v in
                        for i in 0..<(n * hd) { keys[i] = Self.float(k[i]); values[i] = Self.float(v[i]) }
                    }
                }
                return
            }
            let q4 = type.format == .q4
            let lo = UnsafeMutablePointer<Float>.allocate(capacity: hd), step = UnsafeMutablePointer<Float>.allocate(capacity: hd)
            defer { lo.deallocate(); step.deallocate() }
            var current: Int32 = -1
            let g = valueGroup, vg = valueGroups
            for e in 0..<n {
                if groups[e] != current {
                    current = groups[e]
                    let base = Int(current) * 2 * hd
                    for d in 0..<hd { lo[d] = Self.float(kpb[base + d]); step[d] = Self.float(kpb[base + hd + d]) }
                }
                let krow = kc + e * rb, vrow = vc + e * rb, kout = keys + e * hd, vout = values + e * hd
                if q4 {
                    for d in 0..<hd { kout[d] = lo[d] + Float(d & 1 == 0 ? krow[d >> 1] & 0x0F : krow[d >> 1] >> 4) * step[d] }
                } else {
                    for d in 0..<hd { kout[d] = lo[d] + Float(krow[d]) * step[d] }
                }
                for k in 0..<vg {
                    let m = Self.float(vpb[(e * vg + k) * 2]), st = Self.float(vpb[(e * vg + k) * 2 + 1])
                    let end = min(hd, (k + 1) * g)
                    if q4 {
                        for d in (k * g)..<end { vout[d] = m + Float(d & 1 == 0 ? vrow[d >> 1] & 0x0F : vrow[d >> 1] >> 4) * st }
                    } else {
                        for d in (k * g)..<end { vout[d] = m + Float(vrow[d]) * st }
                    }
                }
            }
        } } } } }
    }

    /// Keeps the entries at ascending indices `entries`; drops key groups no entry uses.
    mutating func keep(_ entries: [Int]) {
        let hd = headDim, rb = rowBytes, vp = 2 * valueGroups
        let closed = entries.filter { $0 < closedCount }, tail = entries.filter { $0 >= closedCount }.map { $0 - closedCount }
        keyCodes = closed.flatMap { keyCodes[($0 * rb)..<(($0 + 1) * rb)] }
        valueCodes = closed.flatMap { valueCodes[($0 * rb)..<(($0 + 1) * rb)] }
        valueParameters = closed.flatMap { valueParameters[($0 * vp)..<(($0 + 1) * vp)] }
        let groups = closed.map { Int(keyGroupOf[$0]) }
        let live = Array(Set(groups)).sorted()
        var remap: [Int: Int32] = [:]
        for (new, old) in live.enumerated() { remap[old] = Int32(new) }
        keyParameters = live.flatMap { keyParameters[($0 * 2 * hd)..<(($0 + 1) * 2 * hd)] }
        keyGroupOf = groups.map { remap[$0]! }
        tailKeys = tail.flatMap { tailKeys[($0 * hd)..<(($0 + 1) * hd)] }
        tailValues = tail.flatMap { tailValues[($0 * hd)..<(($0 + 1) * hd)] }
    }

    // MARK: - Quantization

    /// Moves the oldest `n` tail entries into one closed key group.
    private mutating func closeOldest(_ n: Int) {
        let hd = headDim
        let keys = Array(tailKeys[0..<(n * hd)]), values = Array(tailValues[0..<(n * hd)])
        tailKeys.removeFirst(n * hd)
        tailValues.removeFirst(n * hd)
        let group = Int32(keyGroupCount)
        if isFloat16 {
            for x in keys { Self.appendHalf(x, to: &keyCodes) }
            for x in values { Self.appendHalf(x, to: &valueCodes) }
            keyGroupOf += [Int32](repeating: group, count: n)
            return
        }
        // Keys: per channel over the n tokens.
        var minimum = [Float](repeating: .infinity, count: hd), maximum = [Float](repeating: -.infinity, count: hd)
        for t in 0..<n { for d in 0..<hd { minimum[d] = min(minimum[d], keys[t * hd + d]); maximum[d] = max(maximum[d], keys[t * hd + d]) } }
        let (keyMin, keyStep) = Self.parameters(minimum: minimum, maximum: maximum, maxCode: type.maxCode)
        keyParameters += keyMin.map(Self.half) + keyStep.map(Self.half)
        let storedMin = keyMin.map { Self.float(Self.half($0)) }, storedStep = keyStep.map { Self.float(Self.half($0)) }
        for t in 0..<n {
            appendCodes((0..<hd).map { d in Self.code(keys[t * hd + d], storedMin[d], storedStep[d], type.maxCode) }, to: &keyCodes)
            keyGroupOf.append(group)
        }
        // Values: per token over groups of channels.
        let g = valueGroup
        for t in 0..<n {
            var codes = [Int](repeating: 0, count: hd)
            for start in stride(from: 0, to: hd, by: g) {
                let range = start..<min(hd, start + g)
                let row = range.map { values[t * hd + $0] }
                let (mins, steps) = Self.parameters(minimum: [row.min()!], maximum: [row.max()!], maxCode: type.maxCode)
                valueParameters += [Self.half(mins[0]), Self.half(steps[0])]
                let lo = Self.float(Self.half(mins[0])), step = Self.float(Self.half(steps[0]))
                for d in range { codes[d] = Self.code(values[t * hd + d], lo, step, type.maxCode) }
            }
            appendCodes(codes, to: &valueCodes)
        }
    }

    private func appendCodes(_ codes: [Int], to bytes: inout [UInt8]) {
        if type.format == .q4 {
            for i in stride(from: 0, to: codes.count, by: 2) {
                bytes.append(UInt8(codes[i]) | (i + 1 < codes.count ? UInt8(codes[i + 1]) << 4 : 0))
            }
        } else {
            bytes += codes.map { UInt8($0) }
        }
    }




    /// (minimum, step) per channel so that codes 0...maxCode span [minimum, maximum].
    static func parameters(minimum: [Float], maximum: [Float], maxCode: Int) -> ([Float], [Float]) {
        (minimum, zip(minimum, maximum).map { ($1 - $0) / Float(maxCode) })
    }

    static func code(_ x: Float, _ minimum: Float, _ step: Float, _ maxCode: Int) -> Int {
        guard step > 0 else { return 0 }
        return min(maxCode, max(0, Int(((x - minimum) / step).rounded())))
    }

    static func half(_ x: Float) -> UInt16 { Float16(x).bitPattern }
    static func float(_ bits: UInt16) -> Float { HalfConversion.float(fromF16: bits) }
    static func appendHalf(_ x: Float, to bytes: inout [UInt8]) {
        let bits = half(x)
        bytes.append(UInt8(bits & 0xFF))
        bytes.append(UInt8(bits >> 8))
    }
}
