/// Dense products against a weight matrix stored as a Linear layer does: (outFeatures, inFeatures).
public enum MatMul {
    /// `y[t, o] = sum_i x[t, i] * w[o, i] (+ bias[o])` for `rows` input rows.
    ///
    /// - x: (rows, inFeatures); w: (outFeatures, inFeatures); y: (rows, outFeatures).
    /// Work is split over output features so each thread streams its slice of `w` once.
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                              weight w: UnsafePointer<Float>, outFeatures: Int, bias: UnsafePointer<Float>?,
                              into y: UnsafeMutablePointer<Float>) {
        Parallel.forEachRange(outFeatures, minimumPerThread: max(1, 32_768 / max(1, inFeatures * rows))) { range in
            for o in range {
                let row = w + o * inFeatures
                let b = bias?[o] ?? 0
                var t = 0
                while t + 4 <= rows {
                    let r = dot4(row, x + t * inFeatures, inFeatures)
                    y[t * outFeatures + o] = r.0 + b
                    y[(t + 1) * outFeatures + o] = r.1 + b
                    y[(t + 2) * outFeatures + o] = r.2 + b
                    y[(t + 3) * outFeatures + o] = r.3 + b
                    t += 4
                }
                while t < rows {
                    y[t * outFeatures + o] = VectorMath.dot(row, x + t * inFeatures, inFeatures) + b
                    t += 1
                }
            }
        }
    }

    /// One weight row against four consecutive input rows (stride `count`): loads the row once.
    @inlinable
    static func dot4(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int) -> (Float, Float, Float, Float) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let wv = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD8<Float>.self)
            a0.addProduct(wv, UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
            a1.addProduct(wv, UnsafeRawPointer(x + count + i).loadUnaligned(as: SIMD8<Float>.self))
            a2.addProduct(wv, UnsafeRawPointer(x + 2 * count + i).loadUnaligned(as: SIMD8<Float>.self))
            a3.addProduct(wv, UnsafeRawPointer(x + 3 * count + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
        while i < count {
            s0 += w[i] * x[i]
            s1 += w[i] * x[count + i]
            s2 += w[i] * x[2 * count + i]
            s3 += w[i] * x[3 * count + i]
            i += 1
        }
        return (s0, s1, s2, s3)
    }
}
