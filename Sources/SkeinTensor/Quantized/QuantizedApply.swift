import SkeinKernels

extension WeightMatrix {
    /// `apply` for GGML block weights: each thread dequantizes its rows one at a time and takes f32 dot
    /// products. x: (rows, inFeatures), y: (rows, outFeatures).
    func applyQuantized(_ type: GGMLType, _ bytes: [UInt8], _ x: UnsafePointer<Float>, rows: Int,
                        bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let width = rowBytes
        let inFeatures = inFeatures, outFeatures = outFeatures
        bytes.withUnsafeBytes { raw in
            Parallel.forEachRange(outFeatures, minimumPerThread: 16) { range in
                for o in range {
                    let w = type.dequantize(UnsafeRawBufferPointer(rebasing: raw[(o * width)..<((o + 1) * width)]), count: inFeatures)
                    w.withUnsafeBufferPointer { wp in
                        for t in 0..<rows {
                            y[t * outFeatures + o] = skein_dot_f32(x + t * inFeatures, wp.baseAddress!, inFeatures) + (bias?[o] ?? 0)
                        }
                    }
                }
            }
        }
    }
}
