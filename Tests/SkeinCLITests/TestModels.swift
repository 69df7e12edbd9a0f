import Foundation
import SkeinDemoModel

/// Model folders made for a test in a temporary folder.
enum TestModels {
    /// Tests/Fixtures/models (small Hugging Face checkpoints without tokenizer or text).
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/models")

    /// A copy of `source` in a fresh temporary folder without its `.txt` files (a user's model
    /// folder: weights, config and tokenizer, no text to evaluate on).
    static func copyWithoutText(_ source: URL, name: String) throws -> URL {
        let folder = try temporaryFolder(name).appendingPathComponent(source.lastPathComponent)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: source.path) where !file.hasSuffix(".txt") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        return folder
    }

    /// The shipped demo model's weights, config and tokenizer without its heldout.txt.
    static func demoWithoutText() throws -> URL {
        guard let demo = DemoModel.folder else { throw CLITestError("the demo model is not next to the tests") }
        return try copyWithoutText(demo, name: "demo-no-text")
    }

    /// Edits config.json of `folder` in place.
    static func editConfig(_ folder: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let file = folder.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] ?? [:]
        edit(&json)
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(to: file)
    }
}
