import Foundation
import Testing
@testable import SkeinAnalysis

@Suite struct ReceptiveFieldTests {
    /// ALiBi: sum over i < n of e^{-m i} / sum over all i = 1 - e^{-m n}, so TRF = ceil(ln(1/eps) / m).
    @Test(arguments: [0.5, 0.0625, 0.01, 1.0 / 256], [0.1, 0.01, 0.001])
    func alibiMatchesGeometricSeries(slope: Double, eps: Double) throws {
        let exact = log(1 / eps) / slope
        try #require(abs(exact - exact.rounded()) > 1e-6, "boundary case: rounding would decide")
        let result = try TheoreticalReceptiveField.compute(.alibi(slope: slope), eps: eps)
        #expect(result.value == exact.rounded(.up))
        #expect(result.isExact)
    }

    /// KERPLE-power with r2 = 1 is ALiBi with slope r1.
    @Test func kerplePowerWithExponentOneIsAlibi() throws {
        let eps = 0.02, r1 = 0.3
        let result = try TheoreticalReceptiveField.compute(.kerplePower(r1: r1, r2: 1), eps: eps)
        #expect(result.value == (log(1 / eps) / r1).rounded(.up))
    }

    /// KERPLE-log r1 = 2, r2 = 1: weights 1/(1+i)^2, total pi^2/6, tail(n) = sum over k > n of 1/k^2,
    /// which lies in (1/(n+1), 1/n); so TRF is in [ceil(1/c - 1), ceil(1/c)] with c = eps * pi^2/6.
    /// eps = 1e-7 puts the answer past 2^20 terms, where the analytic tail takes over.
    @Test(arguments: [0.05, 0.001, 1e-7])
    func kerpleLogMatchesBaselProblemBounds(eps: Double) throws {
        let c = eps * Double.pi * Double.pi / 6
        let result = try TheoreticalReceptiveField.compute(.kerpleLog(r1: 2, r2: 1), eps: eps)
        let value = try #require(result.value)
        #expect(value >= (1 / c - 1).rounded(.up))
        #expect(value <= (1 / c).rounded(.up))
        #expect(result.isExact == (value <= Double(1 << 20)))
    }

    /// A Gaussian-like KERPLE-power (r2 = 2) against a brute-force sum.
    @Test func kerplePowerMatchesDirectSum() throws {
        let r1 = 0.001, eps = 0.01
        let weights = (0..<20_000).map { exp(-r1 * Double($0) * Double($0)) }
        let total = weights.reduce(0, +)
        var partial = 0.0, expected = 0
        for (i, w) in weights.enumerated() {
            partial += w
            if partial >= (1 - eps) * total { expected = i + 1; break }
        }
        let result = try TheoreticalReceptiveField.compute(.kerplePower(r1: r1, r2: 2), eps: eps)
        #expect(result.value == Double(expected))
    }

    @Test(arguments: [1.0, 0.5])
    func divergentKerpleLogHasNoFiniteField(r1: Double) throws {
        let result = try TheoreticalReceptiveField.compute(.kerpleLog(r1: r1, r2: 1), eps: 0.01)
        #expect(result.value == nil)
        #expect(result.note?.contains("infinite") == true)
    }

    @Test(arguments: [0.0, 1.0, -0.1, 1.5, Double.nan])
    func epsilonOutsideUnitIntervalIsRejected(eps: Double) {
        #expect(throws: AnalysisError.self) { try TheoreticalReceptiveField.compute(.alibi(slope: 0.5), eps: eps) }
        #expect(throws: AnalysisError.self) { try RopeDecay.receptiveField(inverseFrequencies: [1, 0.1], horizon: 100, eps: eps) }
    }

    @Test func badBiasSpellingsAreRejected() throws {
        #expect(try RelativeBias(parsing: "kerple-log:r1=2,r2=0.5") == .kerpleLog(r1: 2, r2: 0.5))
        for text in ["alibi:m=0", "alibi", "alibi:m=x", "kerple-power:r1=1,r2=3", "kerple-log:r1=2", "rotary:m=1", "alibi:m=1,k=2"] {
            #expect(throws: AnalysisError.self) { try RelativeBias(parsing: text) }
        }
    }

    /// RoFormer's bound is 1 at distance 0 and smaller far away; its TRF lies inside the horizon.
    @Test func ropeDecayBoundDecays() throws {
        let inverse = (0..<16).map { Float(pow(10_000, -Double(2 * $0) / 32)) }
        let bound = RopeDecay.relativeBound(inverseFrequencies: inverse, horizon: 1024)
        #expect(abs(bound[0] - 1) < 1e-12)
        #expect(bound[512..<1024].reduce(0, +) / 512 < 0.5)
        let field = try RopeDecay.receptiveField(inverseFrequencies: inverse, horizon: 1024, eps: 0.05)
        let value = try #require(field.value)
        #expect(value > 1 && value <= 1024)
    }
}
