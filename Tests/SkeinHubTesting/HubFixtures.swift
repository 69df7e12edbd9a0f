import Foundation

/// Folders the hub tests serve.
public enum HubFixtures {
    /// Tests/Fixtures/own-model/qwen2-chat: a small real model folder (config.json, model.safetensors,
    /// tokenizer.json, tokenizer_config.json, generation_config.json).
    public static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/own-model/qwen2-chat", isDirectory: true)

    /// A fresh temporary folder.
    public static func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-hub-\(name)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
