import Foundation
import SkeinDemoModel
import SkeinEngine
import SkeinEval
import SkeinServer
import Testing
@testable import skein

/// One `--attention`/`--rope`/`--kv-type` spelling resolves to the same model and policy in
/// generate (`PolicyOptions`), eval (`Method`) and serve (`ModelHost`), on a sliding-window
/// checkpoint too: the demo model with `sliding_window` set in its config.json.
@Suite struct PolicyPathsTests {
    static let window = 16

    /// The demo model's files with `"sliding_window": 16` added to config.json, in a fresh temporary folder.
    static func windowedDemo() throws -> URL {
        let demo = try #require(DemoModel.folder)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("skein-windowed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: demo.path) where name != "config.json" {
            try FileManager.default.copyItem(at: demo.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: demo.appendingPathComponent("config.json"))) as? [String: Any])
        config["sliding_window"] = window
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    @Test(arguments: [("full", "config", "f32"), ("full", "linear:factor=2", "q8"), ("streaming:sinks=2,window=8", "config", "f32"),
                      ("self-extend", "config", "f32"), ("window:size=8", "config", "f16")])
    func generateEvalAndServeResolveTheSamePolicy(attention: String, rope: String, kvType: String) throws {
        let folder = try Self.windowedDemo()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try TransformerModel.load(path: folder)
        #expect(model.configuration.slidingWindow == Self.window)
        let options = try PolicyOptions.parse(["--attention", attention, "--rope", rope, "--kv-type", kvType])
        let (cliModel, cliPolicy) = try options.apply(to: model)
        let (evalModel, evalPolicy) = try Method(name: attention, attention: attention, rope: rope, kvType: kvType).apply(to: model)
        let (serverModel, serverPolicy) = try ModelHost(folder: folder).resolve(attention: attention, rope: rope, kvType: kvType)
        if attention == "full" { #expect(cliPolicy.base.description == "window:size=\(Self.window)") }
        for (model, policy) in [(evalModel, evalPolicy), (serverModel, serverPolicy)] {
            #expect(policy.description == cliPolicy.description)
            #expect(policy.base.description == cliPolicy.base.description)
            #expect(policy.kvStorage.description == cliPolicy.kvStorage.description)
            #expect(model.configuration == cliModel.configuration)
        }
        // And the same logits past the window.
        let tokens = (0..<(2 * Self.window + 5)).map { ($0 * 37 + 11) % model.configuration.vocabSize }
        func logits(_ model: TransformerModel, _ policy: AttentionPolicy) throws -> [[Float]] {
            try model.forward(tokens, cache: model.makeCache(for: policy), policy: policy, logits: .last)
        }
        let expected = try logits(cliModel, cliPolicy)
        #expect(try logits(evalModel, evalPolicy) == expected)
        #expect(try logits(serverModel, serverPolicy) == expected)
    }
}
