import SkeinKernels

/// Small dense kernels on f32 vectors. Shapes are in the comments; all buffers are row-major.
public enum VectorMath {
    /// Dot product of `a` and `b`, `count` elements each.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        skein_dot_f32(a, b, count)
    }

    /// `y += alpha * x`, `count` elements.
    @inlinable
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        skein_axpy_f32(alpha, x, y, count)
    }

    /// RMSNorm of one row: `out = x / sqrt(mean(x^2) + eps) * weight`, as HF computes it in f32.
    @inlinable
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float,
                               out: UnsafeMutablePointer<Float>, count: Int) {
        let meanSquare = dot(x, x, count) / Float(count)
        let scale = 1 / (meanSquare + eps).squareRoot()
        for i in 0..<count { out[i] = weight[i] * (x[i] * scale) }
    }

    /// In-place softmax over `count` values; entries equal to -infinity get probability 0.
    @inlinable
    public static func softmax(_ x: UnsafeMutablePointer<Float>, _ count: Int) {
        var maxValue = -Float.infinity
        for i in 0..<count where x[i] > maxValue { maxValue = x[i] }
        if maxValue == -.infinity {
            for i in 0..<count { x[i] = 0 }
            return
        }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(x[i] - maxValue)
            x[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<count { x[i] *= inverse }
    }

    /// SiLU(gate) * up, elementwise into `gate`.
    @inlinable
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, _ count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
