import Foundation
import Testing

/// `--model ORG/NAME` end to end: the built executable finds a model in a Hugging Face cache
/// named by HF_HUB_CACHE, and a name that is not there fails with one line and exit 66.
@Suite struct ModelNameTests {
    /// `root/hub/models--org--name`: refs/main and a snapshot of symlinks to the llama-f32 fixture.
    func makeCache() throws -> URL {
        let fm = FileManager.default
        let root = try temporaryFolder("hub")
        let fixture = TestModels.fixtures.appendingPathComponent("llama-f32")
        let commit = "0123456789abcdef0123456789abcdef01234567"
        let repo = root.appendingPathComponent("hub/models--org--name")
        let snapshot = repo.appendingPathComponent("snapshots/\(commit)")
        try fm.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try fm.createDirectory(at: repo.appendingPathComponent("refs"), withIntermediateDirectories: true)
        for file in try fm.contentsOfDirectory(atPath: fixture.path) {
            try fm.createSymbolicLink(at: snapshot.appendingPathComponent(file), withDestinationURL: fixture.appendingPathComponent(file))
        }
        try commit.write(to: repo.appendingPathComponent("refs/main"), atomically: true, encoding: .utf8)
        return root
    }

    @Test func aNameInTheCacheRuns() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let environment = ["HF_HUB_CACHE": root.appendingPathComponent("hub").path, "SKEIN_MODELS": ""]
        let inspect = try SkeinRun(["inspect", "org/name"], environment: environment)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("check               ok"), "\(inspect.stdout)")
        let generate = try SkeinRun(["generate", "--model", "org/name", "--prompt-tokens", "1,2", "--max-tokens", "2"], environment: environment)
        #expect(generate.status == 0, "\(generate.stderr)")
    }

    @Test func aMissingNameIsOneLineAndExit66() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let hub = root.appendingPathComponent("hub").path
        let run = try SkeinRun(["generate", "--model", "org/name@v9", "--prompt-tokens", "1"], environment: ["HF_HUB_CACHE": hub, "SKEIN_MODELS": ""])
        #expect(run.status == 66, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("Error: --model org/name@v9: not found in the Hugging Face cache \(hub) (no \(hub)/models--org--name/refs/v9)"),
                "\(run.stderr)")
        #expect(run.stderr.contains("download org/name --revision v9"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1 && !run.stderr.contains("Usage:"))
    }
}
