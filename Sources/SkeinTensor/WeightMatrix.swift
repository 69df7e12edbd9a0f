import SkeinKernels

/// A Linear layer's weight, (outFeatures, inFeatures) row-major, kept in its file's precision:
/// f32, or f16/bf16 bits converted inside the kernels (half the memory traffic of f32).
public struct WeightMatrix: Sendable {
    public enum Storage: Sendable {
        case f32([Float])
        case f16([UInt16])
        case bf16([UInt16])
        /// GGML blocks, row-major: each row is `inFeatures / type.blockSize` blocks (a block type, not f32/f16/bf16).
        case quantized(GGMLType, [UInt8])
    }

    public let outFeatures: Int
    public let inFeatures: Int
    public let storage: Storage

    public init(outFeatures: Int, inFeatures: Int, storage: Storage) {
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        self.storage = storage
    }

    /// An f32 matrix from row-major values.
    public init(outFeatures: Int, inFeatures: Int, values: [Float]) {
        precondition(values.count == outFeatures * inFeatures)
        self.init(outFeatures: outFeatures, inFeatures: inFeatures, storage: .f32(values))
    }

    /// Bytes the weights occupy.
    public var byteCount: Int {
        switch storage {
        case .f32(let v): v.count * 4
        case .f16(let v), .bf16(let v): v.count * 2
        case .quantized(_, let bytes): bytes.count
        }
    }

    /// Bytes of one row.
    public var rowBytes: Int { byteCount / max(1, outFeatures) }

    /// All values as f32 (for the reference path and tests).
    public var floats: [Float] {
        switch storage {
        case .f32(let v): v
        case .f16(let v): v.map { HalfConversion.float(fromF16: $0) }
        case .bf16(let v): v.map { HalfConversion.float(fromBF16: $0) }
        case .quantized(let type, let bytes): bytes.withUnsafeBytes { type.dequantize($0, count: outFeatures * inFeatures) }
        }
    }

    /// The matrix with its rows reordered: row r of the result is row `order[r]` of this one.
    public func permutingRows(_ order: [Int]) -> WeightMatrix {
        func permute<T>(_ v: [T]) -> [T] {
            var out = v
            for (r, source) in order.enumerated() {
                out.replaceSubrange((r * inFeatures)..<((r + 1) * inFeatures), with: v[(source * inFeatures)..<((source + 1) * inFeatures)])
            }
            return out
        }
        switch storage {
        case .f32(let v): return WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .f32(permute(v)))
        case .f16(let v): return WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .f16(permute(v)))
        case .bf16(let v): return WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .bf16(permute(v)))
        case .quantized(let type, let bytes):
            let width = rowBytes
            var out = [UInt8](repeating: 0, count: bytes.count)
            for (r, source) in order.enumerated() {
                out.replaceSubrange((r * width)..<((r + 1) * width), with: bytes[(source * width)..<((source + 1) * width)])
            }
            return WeightMatrix(outFeatures: outFeatures, inFeatures: inFeatures, storage: .quantized(type, out))
        }
    }

    /// Rows `range` as their own matrix (to split fused projections).
    public func rows(_ range: Range<Int>) -> WeightMatrix {
        let slice = (range.lowerBound * inFeatures)..<(range.upperBound * inFeatures)
        switch storage {
        case .f32(let v): return WeightMatrix(outFeatures: range.count, inFeatures: inFeatures, storage: .f32(Array(v[slice])))
        case .f16(let v): return WeightMatrix(outFeatures: range.count, inFeatures: inFeatures, storage: .f16(Array(v[slice])))
        case .bf16(let v): return WeightMatrix(outFeatures: range.count, inFeatures: inFeatures, storage: .bf16(Array(v[slice])))
        case .quantized(let type, let bytes):
            let width = rowBytes
            let byteSlice = (range.lowerBound * width)..<(range.upperBound * width)
            return WeightMatrix(outFeatures: range.count, inFeatures: inFeatures, storage: .quantized(type, Array(bytes[byteSlice])))
        }
    }

    /// Row counts from which float weights go through the blocked GEMM (prefill). Below it each
    /// row is a matrix-vector product whose arithmetic does not depend on how many rows share the
    /// call, so a sequence decodes to the same bits alone or in a server batch.
    public static let gemmMinimumRows = 16

    /// `y[t, o] = sum_i x[t, i] * w[o, i] (+ bias[o])`; x: (rows, inFeatures), y: (rows, outFeatures).
    /// Threads claim slices of the output features as they go, and each streams its slices once.
    public func apply(_ x: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        // At least 64 rows a claim, so the one-row kernel reads each as four streams.
        let minimumRows = max(64, 16_384 / max(1, inFeatures * rows))
        func run(_ w: UnsafeRawPointer, _ type: skein_weight_type) {
            if rows >= Self.gemmMinimumRows {
                // Whole weight panels per thread: each panel is converted to f32 once.
                let panel = Int(SKEIN_GEMM_PANEL_ROWS)
                Parallel.forEachRange((outFeatures + panel - 1) / panel) { panels in
                    skein_gemm(x, rows, inFeatures, w, type, bias, y, outFeatures,
                               panels.lowerBound * panel, min(outFeatures, panels.upperBound * panel))
                }
                return
            }
            Parallel.forEachClaimedRange(outFeatures, minimumChunk: minimumRows) { range in
                skein_linear(x, rows, inFeatures, w, type, bias, y, outFeatures, range.lowerBound, range.upperBound)
            }
        }
        switch storage {
        case .f32(let v): v.withUnsafeBytes { run($0.baseAddress!, SKEIN_WEIGHT_F32) }
        case .f16(let v): v.withUnsafeBytes { run($0.baseAddress!, SKEIN_WEIGHT_F16) }
        case .bf16(let v): v.withUnsafeBytes { run($0.baseAddress!, SKEIN_WEIGHT_BF16) }
        case .quantized(let type, let bytes): applyQuantized(type, bytes, x, rows: rows, bias: bias, into: y)
        }
    }
}

extension WeightMatrix {
    /// Row `r` as f32 values (an embedding lookup).
    public func row(_ r: Int) -> [Float] {
        let range = (r * inFeatures)..<((r + 1) * inFeatures)
        switch storage {
        case .f32(let v): return Array(v[range])
        case .f16(let v): return v[range].map { HalfConversion.float(fromF16: $0) }
        case .bf16(let v): return v[range].map { HalfConversion.float(fromBF16: $0) }
        case .quantized(let type, let bytes):
            let width = rowBytes
            return bytes.withUnsafeBytes { type.dequantize(UnsafeRawBufferPointer(rebasing: $0[(r * width)..<((r + 1) * width)]), count: inFeatures) }
        }
    }

    /// A matrix holding a copy of `count` little-endian elements of `dtype` from `raw`.
    public init(outFeatures: Int, inFeatures: Int, dtype: DType, raw: UnsafeRawBufferPointer) {
        let count = outFeatures * inFeatures
        precondition(raw.count >= count * dtype.byteSize)
        func halves() -> [UInt16] {
            [UInt16](unsafeUninitializedCapacity: count) { out, n in
                #if _endian(little)
                if count > 0 { UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: count * 2) }
                #else
                for i in 0..<count { out[i] = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
                #endif
                n = count
            }
        }
        switch dtype {
        case .f32: self.init(outFeatures: outFeatures, inFeatures: inFeatures, storage: .f32(HalfConversion.decode(raw, dtype: .f32, count: count)))
        case .f16: self.init(outFeatures: outFeatures, inFeatures: inFeatures, storage: .f16(halves()))
        case .bf16: self.init(outFeatures: outFeatures, inFeatures: inFeatures, storage: .bf16(halves()))
        }
    }
}

extension WeightMatrix {
    /// `apply` over whole arrays: x (rows, inFeatures) -> y (rows, outFeatures).
    public func apply(_ x: [Float], rows: Int, bias: [Float]?, into y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                if let bias {
                    bias.withUnsafeBufferPointer { apply(xp.baseAddress!, rows: rows, bias: $0.baseAddress!, into: yp.baseAddress!) }
                } else {
                    apply(xp.baseAddress!, rows: rows, bias: nil, into: yp.baseAddress!)
                }
            }
        }
    }
}
