import SkeinKernels

/// Activation rows quantized once per product to the kernels' group form (int8 values with one f32
/// scale per 16), see SkeinQuantKernels.h. xq: (rows, padded) int8; dx, xs: (rows, padded / 16) f32;
/// xc: (rows, padded / 8) int32.
struct QuantizedActivations {
    let rows: Int
    let inFeatures: Int
    let padded: Int
    let xq: UnsafeMutablePointer<Int8>
    let dx: UnsafeMutablePointer<Float>
    let xs: UnsafeMutablePointer<Float>
    let xc: UnsafeMutablePointer<Int32>

    var groups: Int { padded / Int(SKEIN_Q_GROUP) }

    /// Quantizes x: (rows, inFeatures); threads split the rows when there are many.
    init(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int) {
        self.rows = rows
        self.inFeatures = inFeatures
        padded = skein_q_padded(inFeatures)
        let groups = padded / Int(SKEIN_Q_GROUP)
        xq = cacheLineAligned(Int8.self, max(1, rows * padded))
        dx = cacheLineAligned(Float.self, max(1, rows * groups))
        xs = cacheLineAligned(Float.self, max(1, rows * groups))
        xc = cacheLineAligned(Int32.self, max(1, rows * padded / 8))
        let (xq, dx, xs, xc, padded) = (xq, dx, xs, xc, padded)
        Parallel.forEachRange(rows, minimumPerThread: max(1, 65_536 / max(1, inFeatures))) { range in
            let t = range.lowerBound
            skein_q_quantize(x + t * inFeatures, range.count, inFeatures, xq + t * padded, dx + t * groups, xs + t * groups,
                             xc + t * padded / 8)
        }
    }

    func deallocate() {
        xq.deallocate()
        dx.deallocate()
        xs.deallocate()
        xc.deallocate()
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
        v = cacheLineAligned(Int8.self, rows * padded)
        sw = cacheLineAligned(Float.self, rows * padded / Int(SKEIN_Q_GROUP))
        mn = cacheLineAligned(Float.self, rows * padded / Int(SKEIN_Q_GROUP))
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

/// `count` uninitialized values starting on a 64-byte boundary, so the kernels' 64-byte loads never
/// straddle two cache lines (a split load costs about twice as much). Free with `deallocate()`.
func cacheLineAligned<T>(_ type: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
    UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64).bindMemory(to: T.self, capacity: count)
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
            // Decoding (up to four rows) on AVX-512: pieces decoded in registers, same bits as the
            // tiles below; threads claim slices as they go, at least 64 rows (four streams) each.
            if rows <= 4, skein_q_matvec_supported(type.rawValue, inFeatures, rows) != 0 {
                Parallel.forEachClaimedRange(outFeatures, minimumChunk: max(64, minimumRows)) { range in
                    skein_q_matvec(type.rawValue, weights + range.lowerBound * width, range.count, inFeatures,
                                   activations.xq, activations.dx, activations.xs, activations.xc, rows,
                                   bias.map { $0 + range.lowerBound }, y + range.lowerBound, outFeatures)
                }
                return
            }
            Parallel.forEachRange(outFeatures, minimumPerThread: minimumRows) { range in
                let tile = DecodedWeightTile(rows: min(tileRows, range.count), inFeatures: inFeatures)
                defer { tile.deallocate() }
                var first = range.lowerBound
                while first < range.upperBound {
                    let count = min(tile.capacity, range.upperBound - first)
                    skein_q_decode(type.rawValue, weights + first * width, count, inFeatures, tile.v, tile.sw, tile.mn)
                    skein_q_gemm(type.rawValue, tile.v, tile.sw, tile.mn, count,
                                 activations.xq, activations.dx, activations.xs, activations.xc, rows, inFeatures,
                                 bias.map { $0 + first }, y + first, outFeatures)
                    first += count
                }
            }
        }
    }
}
