import Testing
@testable import SkeinAnalysis
import SkeinEngine

@Suite struct PositionsTests {
    /// Full attention at N = L sees distance d in exactly L - d pairs (STRING's training histogram).
    @Test func fullAttentionAtTrainingLengthMatchesTraining() throws {
        let L = 96
        let histogram = try DistanceHistogram.policy(FullAttention(), length: L, maxQueries: L)
        #expect(histogram.counts == (0..<L).map { Double(L - $0) })
        #expect(histogram.counts == DistanceHistogram.training(length: L).counts)
        #expect(histogram.negativeCount == 0)
    }

    /// At N = 2L, pairs at d >= L number sum over d in L..<2L of (2L - d) = L(L+1)/2 of N(N+1)/2.
    @Test func fullAttentionPastTrainingLengthSeesUnseenDistances() throws {
        let L = 64, N = 128
        let comparison = try PositionsComparison(policy: FullAttention(), length: N, trainingLength: L, maxQueries: N)
        let expected = Double(L * (L + 1) / 2) / Double(N * (N + 1) / 2)
        #expect(abs(comparison.unseenShare - expected) < 1e-12)
        #expect(comparison.maxDistance == N - 1)
    }

    @Test func streamingNeverLeavesTheTrainedRange() throws {
        let L = 64
        let comparison = try PositionsComparison(policy: StreamingAttention(sinks: 4, window: L - 4), length: 4 * L, trainingLength: L)
        #expect(comparison.unseenShare == 0)
        #expect(comparison.maxDistance <= L - 1)
    }

    @Test func rareDistanceBoundsTheTrainingTail() {
        let L = 256, share = 0.05
        let D = DistanceHistogram.rareDistance(trainingLength: L, share: share)
        let training = DistanceHistogram.training(length: L)
        #expect(training.share(atLeast: D) <= share + 1e-12)
        #expect(training.share(atLeast: D - 1) > share)
    }

    @Test func badArgumentsAreRejected() {
        #expect(throws: AnalysisError.self) { try DistanceHistogram.policy(FullAttention(), length: 1) }
        #expect(throws: AnalysisError.self) { try PositionsComparison(policy: FullAttention(), length: 8, trainingLength: 8, rareShare: 1) }
    }
}
