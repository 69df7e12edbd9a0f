import SkeinKernels

/// Dense products against a weight matrix stored as a Linear layer does: (outFeatures, inFeatures).
public enum MatMul {
    /// `y[t, o] = sum_i x[t, i] * w[o, i] (+ bias[o])` for `rows` input rows, with f32 weights.
    /// - x: (rows, inFeatures); w: (outFeatures, inFeatures); y: (rows, outFeatures).
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                              weight w: UnsafePointer<Float>, outFeatures: Int, bias: UnsafePointer<Float>?,
                              into y: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(outFeatures, minimumPerThread: max(1, 16_384 / max(1, inFeatures * rows))) { range in
            skein_linear(x, rows, inFeatures, w, SKEIN_WEIGHT_F32, bias, y, outFeatures, range.lowerBound, range.upperBound)
        }
    }

    /// The instruction set the kernels run with: "avx512", "avx2" or "generic".
    public static var kernelLevel: String {
        switch skein_kernel_level() {
        case 3: "avx512"
        case 2: "avx2"
        default: "generic"
        }
    }

    /// Caps the instruction set (tests compare every level against the generic path).
    @discardableResult
    public static func setKernelLevel(_ name: String) -> String {
        skein_set_kernel_level(name == "avx512" ? 3 : name == "avx2" ? 2 : 0)
        return kernelLevel
    }
}
