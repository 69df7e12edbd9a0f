import SkeinKernels

/// Activation rows quantized once per product to the kernels' group form (int8 values with one f32
/// scale per 16), see SkeinQuantKernels.h. xq: (rows, padded) int8; dx, xs: (rows, padded / 16) f32.
struct QuantizedActivations {
    let rows: Int
    let inFeatures: Int
    let padded: Int
    let xq: UnsafeMutablePointer<Int8>
    let dx: UnsafeMutablePointer<Float>
    let xs: UnsafeMutablePointer<Float>

    var groups: Int { padded / Int(SKEIN_Q_GROUP) }

    /// Quantizes x: (rows, inFeatures); threads split the rows when there are many.
    init(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int) {
        self.rows = rows
        self.inFeatures = inFeatures
        padded = skein_q_padded(inFeatures)
        let groups = padded / Int(SKEIN_Q_GROUP)
        xq = .allocate(capacity: max(1, rows * padded))
        dx = .allocate(capacity: max(1, rows * groups))
        xs = .allocate(capacity: max(1, rows * groups))
        let (xq, dx, xs, padded) = (xq, dx, xs, padded)
        Parallel.forEachRange(rows, minimumPerThread: max(1, 65_536 / max(1, inFeatures))) { range in
            let t = range.lowerBound
            skein_q_quantize(x + t * inFeatures, range.count, inFeatures, xq + t * padded, dx + t * groups, xs + t * groups)
        }
    }

    func deallocate() {
        xq.deallocate()
        dx.deallocate()
        xs.deallocate()
    }
}

/// A thread's buffer for a tile of weight rows decoded to group form.
/// v: (rows, padded) int8; sw, mn: (rows, padded / 16) f32.
struct DecodedWeightTile {
    let capacity: Int
    let padded: Int
    let v: UnsafeMutablePointer<Int8>
    let sw: UnsafeMutablePointer<Float>
    let mn: UnsafeMutablePointer<Float>

    init(rows: Int, inFeatures: Int) {
        capacity = rows
        padded = skein_q_padded(inFeatures)
        v = .allocate(capacity: rows * padded)
        sw = .allocate(capacity: rows * padded / Int(SKEIN_Q_GROUP))
        mn = .allocate(capacity: rows * padded / Int(SKEIN_Q_GROUP))
    }

    func deallocate() {
        v.deallocate()
        sw.deallocate()
        mn.deallocate()
    }

    /// Weight rows per tile: the tile stays in L1 for a few activation rows, in L2 for many
    /// (then each decoded tile is reused across all activation rows).
    static func rows(inFeatures: Int, activationRows: Int) -> Int {
        let bytesPerRow = skein_q_padded(inFeatures) * 3 / 2
        let budget = activationRows <= 4 ? 24_576 : 262_144
        return min(128, max(4, budget / bytesPerRow / 4 * 4))
    }
}

extension WeightMatrix {
    /// `apply` for GGML block weights: x is quantized once; each thread decodes tiles of its output
    /// rows and multiplies them with every activation row in int8. x: (rows, inFeatures), y: (rows, outFeatures).
    func applyQuantized(_ type: GGMLType, _ bytes: [UInt8], _ x: UnsafePointer<Float>, rows: Int,
                        bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0 else { return }
        precondition(skein_q_supports(type.rawValue) != 0 && inFeatures % type.blockSize == 0,
                     "no quantized kernel for \(type) with \(inFeatures) inputs")
        let activations = QuantizedActivations(x, rows: rows, inFeatures: inFeatures)
        defer { activations.deallocate() }
        let width = rowBytes, inFeatures = inFeatures, outFeatures = outFeatures
        let tileRows = DecodedWeightTile.rows(inFeatures: inFeatures, activationRows: rows)
        let minimumRows = max(4, 65_536 / max(1, inFeatures * rows))
        bytes.withUnsafeBytes { raw in
            let weights = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            Parallel.forEachRange(outFeatures, minimumPerThread: minimumRows) { range in
                // Decoding (up to four rows): pieces decoded in registers, same bits as below.
                if rows <= 4, skein_q_matvec(type.rawValue, weights + range.lowerBound * width, range.count, inFeatures,
                                             activations.xq, activations.dx, activations.xs, rows,
                                             bias.map { $0 + range.lowerBound }, y + range.lowerBound, outFeatures) == 0 {
                    return
                }
                let tile = DecodedWeightTile(rows: min(tileRows, range.count), inFeatures: inFeatures)
                defer { tile.deallocate() }
                var first = range.lowerBound
                while first < range.upperBound {
                    let count = min(tile.capacity, range.upperBound - first)
                    skein_q_decode(type.rawValue, weights + first * width, count, inFeatures, tile.v, tile.sw, tile.mn)
                    skein_q_gemm(type.rawValue, tile.v, tile.sw, tile.mn, count,
                                 activations.xq, activations.dx, activations.xs, rows, inFeatures,
                                 bias.map { $0 + first }, y + first, outFeatures)
                    first += count
                }
            }
        }
    }
}
