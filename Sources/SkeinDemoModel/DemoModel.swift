import Foundation

/// The small model Skein ships (trained by tools/train_demo_model.py; see its MODEL_CARD.md).
public enum DemoModel {
    /// The Hugging Face folder of the shipped model, found next to the executable (SwiftPM
    /// resource bundle), or nil when this build has no copy of it.
    public static var folder: URL? {
        let url = Bundle.module.resourceURL?.appendingPathComponent("skein-demo")
        guard let url, FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else { return nil }
        return url
    }
}
