import Foundation
import Testing
@testable import SkeinEngine
import SkeinTesting

/// `PolicyChoice.resolve`: RoPE override, then the policy, with the sliding-window rule, input-length
/// sizing and the reach warning (what generate, eval and serve all use).
@Suite struct PolicyChoiceTests {
    /// Plain "full" on a sliding-window checkpoint keeps its window (sized or not); anything named keeps its name.
    @Test func fullOnAWindowedCheckpointKeepsItsWindow() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("mistral-window"))
        let window = try #require(model.configuration.slidingWindow)
        for n in [nil, 4 * model.trainingLength] as [Int?] {
            let choice = try PolicyChoice.resolve(model, attention: "full", kvType: "f16", inputLength: n)
            #expect(choice.policy.base.description == "window:size=\(window)")
            #expect(choice.policy.kvStorage.description == "f16")
            #expect(choice.sizedFor == nil && choice.sizingNote == nil)
        }
        let streaming = try PolicyChoice.resolve(model, attention: "streaming:sinks=2,window=4")
        #expect(streaming.policy.base.description == "streaming:sinks=2,window=4")
    }

    /// A policy named without keys is sized for a long input, and the note says so; named with keys it is not.
    @Test func aPolicyNamedWithoutKeysIsSizedForTheInput() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let n = 16 * model.trainingLength
        let sized = try PolicyChoice.resolve(model, attention: "self-extend", inputLength: n)
        #expect(sized.sizedFor == n)
        #expect(PolicyReach.lastQuery(of: sized.policy, length: n).distance < model.trainingLength, "\(sized.policy)")
        #expect(sized.sizingNote == "--attention self-extend sized for \(n) tokens: \(sized.policy)")
        let unsized = try PolicyChoice.resolve(model, attention: "self-extend")
        #expect(unsized.sizedFor == nil)
        #expect(unsized.policy.description != sized.policy.description)
        let named = try PolicyChoice.resolve(model, attention: "self-extend:group=2,window=8", inputLength: n)
        #expect(named.sizedFor == nil && named.policy.description == "self-extend:group=2,window=8")
    }

    /// The RoPE override is applied to the model the policy is built for; a bad one names itself.
    @Test func theRopeOverrideComesFirst() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let choice = try PolicyChoice.resolve(model, attention: "full", rope: "linear:factor=2")
        #expect(choice.model.configuration.ropeScaling?.type == "linear")
        #expect(model.configuration.ropeScaling == nil)
        #expect(try PolicyChoice.resolve(model, attention: "full").model === model)
        #expect(throws: EngineError.self) { try PolicyChoice.resolve(model, attention: "full", rope: "bogus") }
        #expect(throws: EngineError.self) { try PolicyChoice.resolve(model, attention: "nonsense") }
    }

    /// Full attention past max_position_embeddings warns, inside it does not, and a RoPE override silences it.
    @Test func theReachWarningNamesTheTrainingLength() throws {
        let model = try TransformerModel.load(directory: Fixtures.model("llama-f32"))
        let L = model.configuration.maxPositionEmbeddings
        let full = try PolicyChoice.resolve(model, attention: "full")
        #expect(full.reachWarning(tokens: L) == nil)
        let warning = try #require(full.reachWarning(tokens: L + 1, what: "the conversation"))
        #expect(warning.hasPrefix("the conversation (\(L + 1) tokens) is longer than the model's training length (\(L)"))
        #expect(try PolicyChoice.resolve(model, attention: "full", rope: "linear:factor=2").reachWarning(tokens: 10 * L) == nil)
        let selfExtend = try PolicyChoice.resolve(model, attention: "self-extend:group=2,window=8")
        #expect(selfExtend.reachWarning(tokens: 64 * L) != nil)
    }
}
