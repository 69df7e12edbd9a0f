import Testing
@testable import SkeinEngine
import SkeinTesting

@Suite struct PolicyCatalogTests {
    @Test func parsesEveryPolicyWithDefaults() throws {
        for name in PolicyCatalog.attentionNames {
            let policy = try PolicyCatalog.attention(name, trainingLength: 256)
            #expect(policy.description.hasPrefix(name))
        }
        #expect(try PolicyCatalog.attention("self-extend:group=8,window=32", trainingLength: 256).description == "self-extend:group=8,window=32")
        #expect(try PolicyCatalog.attention("dca", trainingLength: 256).description == "dca:chunk=192,local=16")
        #expect(try PolicyCatalog.attention("lm-infinite", trainingLength: 256).description == "lm-infinite:global=10,local=256,cap=256")
        #expect(try PolicyCatalog.attention("lm-infinite:topk=5,from-layer=2", trainingLength: 256).description == "lm-infinite:global=10,local=256,cap=256,topk=5,from-layer=2,at=128")
    }

    @Test(arguments: [
        ("nope", "valid: full, window"),
        ("window:size=-3", "size must be >= 1"),
        ("self-extend:group=0", "group must be >= 1"),
        ("self-extend:color=3", "valid keys: group, window"),
        ("streaming:sinks", "not key=value"),
        ("dca:chunk=100,local=100", "smaller than chunk"),
        ("dca:chunk=512", "chunk must be in 2...256, got 512"),
        ("dca:chunk=0", "chunk must be in 2...256, got 0"),
        ("streaming:window=300", "window must be in 1...252, got 300"),
        ("self-extend:window=256", "window must be in 1...255, got 256"),
        ("lm-infinite:cap=300", "cap must be in 1...256, got 300"),
        ("lm-infinite:topk=5,cap=200,at=201", "at must be in 1...200, got 201"),
        ("string:shift=0", "shift must be in 1...256, got 0"),
        ("reattention:local=300", "local must be in 1...250, got 300"),
        ("reattention:k=200", "sinks + k + local (4 + 200 + 128 = 332) must stay below the training length 256"),
        ("reattention:span=0", "span must be >= 1, got 0"),
        ("infllm:local=256", "local must be in 1...255, got 256"),
        ("infllm:block=0", "block must be >= 1, got 0"),
        ("lm-infinite:local=300,cap=256", "must not exceed cap"),
        ("window:size=abc", "is not an integer"),
        ("full:size=3", "it takes no options"),
    ])
    func badOptionsListTheValidChoices(text: String, expected: String) {
        do {
            _ = try PolicyCatalog.attention(text, trainingLength: 256)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(String(describing: error).contains(expected), "\(text): \(error)")
        }
    }

    @Test func ropeOverridesRejectBadValues() throws {
        let name = try #require(Fixtures.modelNames.first)
        let model = try TransformerModel.load(directory: Fixtures.model(name))
        for bad in ["warp", "linear:factor=-1", "yarn:speed=3", "longrope", "llama3:low=4,high=1"] {
            #expect(throws: EngineError.self, "\(bad)") { try model.withRope(bad) }
        }
        #expect(try model.withRope("ntk:factor=4").configuration.ropeTheta > model.configuration.ropeTheta)
        #expect(try model.withRope("linear:factor=4").configuration.ropeScaling?.factor == 4)
    }
}
