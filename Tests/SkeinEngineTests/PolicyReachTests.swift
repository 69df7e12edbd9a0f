import Testing
@testable import SkeinEngine
import SkeinTesting

/// How far each position-rewriting policy reaches, from its own segments (no tensors).
@Suite struct PolicyReachTests {
    let L = 256

    /// Self-extend keeps the last query inside L up to (L - W) * G + W tokens: 832 with its defaults here.
    @Test func selfExtendReachesLMinusWindowTimesGroupPlusWindow() throws {
        let policy = try PolicyCatalog.attention("self-extend", trainingLength: L)
        #expect(PolicyReach.positionalReach(of: policy, trainingLength: L) == (256 - 64) * 4 + 64)
        #expect(PolicyReach.lastQuery(of: policy, length: 832).distance == 255)
        #expect(PolicyReach.lastQuery(of: policy, length: 833).distance == 256)
    }

    /// Full attention reaches L; STRING reaches L + shift - window; DCA, LM-Infinite and streaming
    /// keep every distance inside L at any length.
    @Test func eachPolicyHasItsOwnReach() throws {
        #expect(PolicyReach.positionalReach(of: FullAttention(), trainingLength: L) == L)
        #expect(PolicyReach.positionalReach(of: StringAttention(shift: 85, window: 32), trainingLength: L) == 256 + 85 - 32)
        for bounded in ["dca", "lm-infinite", "streaming", "lm-infinite:topk=5,from-layer=2"] {
            let policy = try PolicyCatalog.attention(bounded, trainingLength: L)
            #expect(PolicyReach.positionalReach(of: policy, trainingLength: L, limit: 1 << 16) == nil, "\(bounded)")
        }
    }

    /// What the last query reads: LM-Infinite its global and local tokens (plus top-k when set).
    @Test func tokensReadCountGlobalLocalAndTopK() throws {
        let plain = PolicyReach.lastQuery(of: LMInfiniteAttention(global: 10, local: 256, cap: 256), length: 4096)
        #expect(plain == .init(distance: 256, tokensRead: 266, selects: false))
        let topK = PolicyReach.lastQuery(of: LMInfiniteAttention(global: 10, local: 256, cap: 256, topK: 5, fromLayer: 2), length: 4096)
        #expect(topK == .init(distance: 256, tokensRead: 271, selects: true))
        #expect(PolicyReach.lastQuery(of: DualChunkAttention(chunk: 192, local: 16), length: 4096).distance <= 192)
    }

    /// Sized self-extend: the smallest group whose distances fit; one less would not.
    @Test func selfExtendIsSizedForTheInput() throws {
        let sized = try #require(SelfExtendAttention(group: 4, window: 64).resized(forInputLength: 4096, trainingLength: L))
        let group = try #require(sized as? SelfExtendAttention).group
        #expect(PolicyReach.lastQuery(of: sized, length: 4096).distance < L)
        #expect(PolicyReach.lastQuery(of: SelfExtendAttention(group: group - 1, window: 64), length: 4096).distance >= L)
        #expect(SelfExtendAttention(group: 4, window: 300).resized(forInputLength: 4096, trainingLength: L) == nil)
        #expect(FullAttention().resized(forInputLength: 4096, trainingLength: L) == nil)
    }

    /// The notice names the policy, the distance, the reach and the sized spelling; nothing inside the reach
    /// or for policies that select by content.
    @Test func noticesSayWhatIsPassed() throws {
        let keyed = try #require(PolicyReach.notice(policy: SelfExtendAttention(group: 4, window: 64), inputLength: 4096, trainingLength: L))
        #expect(keyed.contains("self-extend:group=4,window=64 places the last of 4096 tokens at distance"), "\(keyed)")
        #expect(keyed.contains("its reach is 832 tokens") && keyed.contains("group=22,window=64 covers 4096 tokens"), "\(keyed)")
        let lmInfinite = try #require(PolicyReach.notice(policy: LMInfiniteAttention(global: 10, local: 256, cap: 256), inputLength: 4096, trainingLength: L))
        #expect(lmInfinite.contains("reads only 266 of the 4096 tokens"), "\(lmInfinite)")
        #expect(PolicyReach.notice(policy: SelfExtendAttention(group: 4, window: 64), inputLength: 800, trainingLength: L) == nil)
        #expect(PolicyReach.notice(policy: try PolicyCatalog.attention("reattention", trainingLength: L), inputLength: 4096, trainingLength: L) == nil)
        #expect(PolicyReach.notice(policy: try PolicyCatalog.attention("snapkv", trainingLength: L), inputLength: 4096, trainingLength: L) == nil)
        #expect(PolicyReach.notice(policy: try PolicyCatalog.attention("dca", trainingLength: L), inputLength: 4096, trainingLength: L) == nil)
    }

    /// A model sizes a policy named without keys for the input it will run on; keys the user gave are kept.
    @Test func modelsSizePoliciesNamedWithoutKeys() throws {
        let name = try #require(Fixtures.modelNames.first { !$0.contains("rope") && !$0.contains("dynamic") })
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        let L = model.trainingLength
        let sized = try model.attentionPolicy("self-extend", inputLength: 16 * L)
        #expect(PolicyReach.lastQuery(of: sized, length: 16 * L).distance < L, "\(sized)")
        let keyed = try model.attentionPolicy("self-extend:group=2", inputLength: 16 * L)
        #expect(keyed.description.hasPrefix("self-extend:group=2,"))
        #expect(try model.attentionPolicy("self-extend", inputLength: L).description == (try model.attentionPolicy("self-extend")).description)
    }
}
