import Foundation

/// How a checkpoint pairs the dimensions RoPE rotates together.
public enum RopeLayout: String, Sendable {
    /// Hugging Face `rotate_half`: dimension i pairs with i + rotaryDim/2.
    case rotateHalf
    /// Original Llama / GGUF: dimensions 2i and 2i+1 form a pair.
    case interleaved
}

/// Rotates query and key heads by position: the pair for frequency f at position m turns by m*f.
public struct RotaryEmbedding: Sendable {
    public var frequencies: RopeFrequencies
    public var layout: RopeLayout
    /// Dimensions rotated per head (the rest pass through).
    public var rotaryDim: Int { frequencies.inverseFrequencies.count * 2 }

    public init(frequencies: RopeFrequencies, layout: RopeLayout) {
        self.frequencies = frequencies
        self.layout = layout
    }

    /// cos and sin (times the attention scaling) for one position: (rotaryDim / 2) each.
    ///
    /// Like transformers, the angle is the f32 product position * frequency.
    public func table(position: Int) -> (cos: [Float], sin: [Float]) {
        let scale = Double(frequencies.attentionScaling)
        let p = Float(position)
        var c = [Float](repeating: 0, count: frequencies.inverseFrequencies.count)
        var s = c
        for (i, f) in frequencies.inverseFrequencies.enumerated() {
            let angle = Double(p * f)
            c[i] = Float(Foundation.cos(angle) * scale)
            s[i] = Float(Foundation.sin(angle) * scale)
        }
        return (c, s)
    }

    /// Rotates one head vector (headDim values, the first rotaryDim of which rotate) in place.
    @inlinable
    public func apply(_ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = rotaryDim / 2
        switch layout {
        case .rotateHalf:
            for i in 0..<half {
                let a = x[i], b = x[i + half]
                x[i] = a * cos[i] - b * sin[i]
                x[i + half] = b * cos[i] + a * sin[i]
            }
        case .interleaved:
            for i in 0..<half {
                let a = x[2 * i], b = x[2 * i + 1]
                x[2 * i] = a * cos[i] - b * sin[i]
                x[2 * i + 1] = b * cos[i] + a * sin[i]
            }
        }
    }
}
