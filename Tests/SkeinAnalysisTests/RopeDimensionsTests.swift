import Foundation
import Testing
@testable import SkeinAnalysis

@Suite struct RopeDimensionsTests {
    /// d_extra = 2 ceil((d/2) log_base(L / 2 pi)), written out independently of the library.
    static func formula(d: Int, base: Double, L: Int) -> Int {
        2 * Int(ceil(Double(d / 2) * (log(Double(L) / (2 * .pi)) / log(base))))
    }

    @Test func llama2CriticalDimensionIs92() throws {
        #expect(Self.formula(d: 128, base: 10_000, L: 4096) == 92)
        #expect(RopeDimensions.criticalDimension(rotaryDim: 128, base: 10_000, trainingLength: 4096) == 92)
        let analysis = try RopeDimensions(configuration: RopeDimensions.configuration(headDim: 128, base: 10_000, trainingLength: 4096),
                                          scalings: [], modelName: "llama-2")
        #expect(analysis.criticalDimension == 92)
        #expect(analysis.dimensionsWithFullPeriod == 92)
    }

    @Test func llama3CriticalDimensionMatchesFormula() throws {
        let expected = Self.formula(d: 128, base: 500_000, L: 8192)
        let analysis = try RopeDimensions(configuration: RopeDimensions.configuration(headDim: 128, base: 500_000, trainingLength: 8192),
                                          scalings: [], modelName: "llama-3")
        #expect(analysis.criticalDimension == expected)
        // Counting wavelengths <= L must agree with the closed form.
        #expect(analysis.dimensionsWithFullPeriod == expected)
    }

    @Test func wavelengthsFollowTwoPiBasePower() throws {
        let analysis = try RopeDimensions(configuration: RopeDimensions.configuration(headDim: 64, base: 10_000, trainingLength: 2048),
                                          scalings: [], modelName: "x")
        for (i, wavelength) in analysis.scalings[0].wavelengths.enumerated() {
            let expected = 2 * Double.pi * pow(10_000, Double(2 * i) / 64)
            #expect(abs(wavelength - expected) / expected < 1e-5)
        }
    }

    @Test func scalingsStretchTheExpectedDimensions() throws {
        let configuration = try RopeDimensions.configuration(headDim: 128, base: 10_000, trainingLength: 4096)
        let analysis = try RopeDimensions(configuration: configuration, scalings: ["linear:factor=4", "ntk:factor=4", "yarn:factor=4"], modelName: "x")
        let linear = analysis.scalings[1], ntk = analysis.scalings[2], yarn = analysis.scalings[3]
        #expect(linear.stretch.allSatisfy { abs($0 - 4) < 1e-3 })
        // NTK leaves the fastest pair alone and stretches the slowest by the factor: base' = base * 4^(d/(d-2)).
        #expect(abs(ntk.stretch[0] - 1) < 1e-6)
        #expect(abs(ntk.stretch[63] - 4) < 1e-2)
        // YaRN extrapolates high frequencies and interpolates low ones.
        #expect(abs(yarn.stretch[0] - 1) < 1e-6 && abs(yarn.stretch[63] - 4) < 1e-3)
        #expect(yarn.attentionScaling > 1)
    }

    @Test func badRopeSettingsAreRejected() {
        #expect(throws: AnalysisError.self) { try RopeDimensions.configuration(headDim: 7, base: 10_000, trainingLength: 4096) }
        #expect(throws: AnalysisError.self) { try RopeDimensions.configuration(headDim: 128, base: 1, trainingLength: 4096) }
        #expect(throws: AnalysisError.self) { try RopeDimensions.configuration(headDim: 128, base: 10_000, trainingLength: 1) }
    }
}
