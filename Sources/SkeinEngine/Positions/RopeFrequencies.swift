import Foundation
import SkeinFormats

// TEMPORARY minimal version (plain and linear RoPE); replaced by the full implementation.
public struct RopeFrequencies: Sendable, Equatable {
    public var inverseFrequencies: [Float]
    public var attentionScaling: Float

    public init(base: Double, rotaryDim: Int, scaling: RopeScaling?, maxPositionEmbeddings: Int,
                originalMaxPositionEmbeddings: Int?, sequenceLength: Int) throws {
        var inv = (0..<(rotaryDim / 2)).map { i in Float(1.0 / pow(base, Double(2 * i) / Double(rotaryDim))) }
        if let scaling, scaling.type == "linear", let f = scaling.factor { inv = inv.map { $0 / Float(f) } }
        inverseFrequencies = inv
        attentionScaling = 1
    }

    public init(configuration c: ModelConfiguration, sequenceLength: Int) throws {
        try self.init(base: c.ropeTheta, rotaryDim: c.rotaryDim, scaling: c.ropeScaling,
                      maxPositionEmbeddings: c.maxPositionEmbeddings,
                      originalMaxPositionEmbeddings: c.originalMaxPositionEmbeddings, sequenceLength: sequenceLength)
    }
}
