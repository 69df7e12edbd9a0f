import Testing
@testable import SkeinEngine

@Suite struct PolicyCatalogTests {
    @Test func parsesEveryPolicyWithDefaults() throws {
        for name in PolicyCatalog.attentionNames {
            let policy = try PolicyCatalog.attention(name, trainingLength: 256)
            #expect(policy.description.hasPrefix(name))
        }
        #expect(try PolicyCatalog.attention("self-extend:group=8,window=32", trainingLength: 256).description == "self-extend:group=8,window=32")
        #expect(try PolicyCatalog.attention("dca", trainingLength: 256).description == "dca:chunk=192,local=16")
        #expect(try PolicyCatalog.attention("lm-infinite", trainingLength: 256).description == "lm-infinite:global=10,local=256,cap=256")
        #expect(try PolicyCatalog.attention("lm-infinite:topk=5,from-layer=2", trainingLength: 256).description == "lm-infinite:global=10,local=256,cap=256,topk=5,from-layer=2")
    }

    @Test(arguments: [
        ("nope", "valid: full, window"),
        ("window:size=-3", "size must be >= 1"),
        ("self-extend:group=0", "group must be >= 1"),
        ("self-extend:color=3", "valid keys: group, window"),
        ("streaming:sinks", "not key=value"),
        ("dca:chunk=100,local=100", "smaller than chunk"),
        ("dca:chunk=512", "must not exceed the training length"),
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
