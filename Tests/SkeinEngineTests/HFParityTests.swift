import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// Skein's logits against HF transformers' for every fixture model.
@Suite struct HFParityTests {
    /// f32 compute on any weight dtype: the reference also computed in f32 on the same weights.
    static let relativeTolerance: Float = 1e-4

    @Test(arguments: Fixtures.modelNames)
    func fullPrefillMatchesTransformers(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let reference = try Fixtures.reference(name)
        let logits = try model.forward(reference.tokens, cache: model.makeCache())
        #expect(logits.count == reference.full_logits.count)
        let (diff, scale) = maxDifference(logits, reference.full_logits)
        #expect(diff <= Self.relativeTolerance * scale, "\(name): max |diff| \(diff) vs max |logit| \(scale)")
    }

    @Test(arguments: Fixtures.modelNames)
    func referenceForwardMatchesTransformers(name: String) throws {
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let reference = try Fixtures.reference(name)
        let logits = try ReferenceForward(model: model).logits(reference.tokens)
        let (diff, scale) = maxDifference(logits, reference.full_logits)
        #expect(diff <= Self.relativeTolerance * scale, "\(name): max |diff| \(diff) vs max |logit| \(scale)")
    }
}
