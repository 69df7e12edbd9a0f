import Foundation
import SkeinHubTesting
import Testing

/// `skein pull` end to end: the built executable against the loopback Hub, then `skein inspect`
/// finding the pulled model by name.
@Suite struct PullCommandTests {
    /// Runs skein off Swift's cooperative threads: the loopback hub answers on them, and
    /// `SkeinRun` blocks its thread until the process ends.
    func skein(_ arguments: [String], environment: [String: String]) async throws -> SkeinRun {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try SkeinRun(arguments, environment: environment) })
            }
        }
    }

    @Test func pullThenInspectByName() async throws {
        let hub = try await LoopbackHub.start()
        defer { Task { await hub.stop() } }
        let repository = try LoopbackHubRepository(name: "org/chat", folder: HubFixtures.model)
        hub.serve(repository)
        let home = try temporaryFolder("pull")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["HF_ENDPOINT": hub.endpoint, "HF_HOME": home.path, "HF_HUB_CACHE": "", "SKEIN_MODELS": ""]
        let pull = try await skein(["pull", "org/chat"], environment: environment)
        #expect(pull.status == 0, "\(pull.stderr)")
        let snapshot = home.appendingPathComponent("hub/models--org--chat/snapshots/\(repository.commit)").path
        #expect(pull.stdout == snapshot + "\n", "\(pull.stdout)")
        #expect(pull.stderr.contains("pulled 5 file(s)"), "\(pull.stderr)")
        let inspect = try await skein(["inspect", "org/chat"], environment: environment)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("check               ok"), "\(inspect.stdout)")
        // A rerun transfers nothing and prints the same folder.
        let again = try await skein(["pull", "org/chat", "--include", "*.json"], environment: environment)
        #expect(again.status == 0 && again.stdout == snapshot + "\n" && again.stderr.contains("pulled 0 file(s), 4 already in the cache"), "\(again.stderr)")
    }

    @Test(arguments: [
        (["pull", "org/missing"], Int32(66), "repository or revision org/missing not found"),
        (["pull", "org/gated"], Int32(70), "org/gated is gated or private: set HF_TOKEN"),
        (["pull", "org/chat@main", "--revision", "v2"], Int32(64), "names revision main but --revision is v2"),
        (["pull", "./folder"], Int32(64), "not a model name ORG/NAME[@REVISION]"),
    ])
    func failuresExitWithOneLine(arguments: [String], status: Int32, message: String) async throws {
        let hub = try await LoopbackHub.start()
        defer { Task { await hub.stop() } }
        hub.serve(try LoopbackHubRepository(name: "org/gated", folder: HubFixtures.model, gated: true))
        let home = try temporaryFolder("pull-fail")
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try await skein(arguments, environment: ["HF_ENDPOINT": hub.endpoint, "HF_HOME": home.path, "HF_HUB_CACHE": "", "HF_TOKEN": ""])
        #expect(run.status == status, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("Error: ") && run.stderr.contains(message), "\(run.stderr)")
        if status != 64 { #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)") }
        #expect(run.stdout.isEmpty)
    }
}
