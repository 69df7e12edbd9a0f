import Foundation
import Testing
@testable import SkeinFormats

/// `ORG/NAME[@REVISION]` found in a fake Hugging Face cache and a Skein models folder, built in
/// a temporary folder; the environment is passed as a dictionary.
@Suite struct HubCacheTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/llama-f32")
    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static let other = "89abcdef0123456789abcdef0123456789abcdef"

    /// A temporary root holding `hub/models--org--name` with `refs/main` -> `commit` (snapshot:
    /// symlinks to the fixture's files, as the Hub links into blobs/) and `refs/v1` -> `other`
    /// (snapshot: a copy of config.json only).
    func makeCache() throws -> URL {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("skein-hub-\(UUID().uuidString)")
        let repo = root.appendingPathComponent("hub/models--org--name")
        let snapshot = repo.appendingPathComponent("snapshots/\(Self.commit)")
        try fm.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try fm.createDirectory(at: repo.appendingPathComponent("refs"), withIntermediateDirectories: true)
        for file in try fm.contentsOfDirectory(atPath: Self.fixture.path) {
            try fm.createSymbolicLink(at: snapshot.appendingPathComponent(file), withDestinationURL: Self.fixture.appendingPathComponent(file))
        }
        try "\(Self.commit)".write(to: repo.appendingPathComponent("refs/main"), atomically: true, encoding: .utf8)
        let second = repo.appendingPathComponent("snapshots/\(Self.other)")
        try fm.createDirectory(at: second, withIntermediateDirectories: true)
        try fm.copyItem(at: Self.fixture.appendingPathComponent("config.json"), to: second.appendingPathComponent("config.json"))
        try "\(Self.other)\n".write(to: repo.appendingPathComponent("refs/v1"), atomically: true, encoding: .utf8)
        return root
    }

    /// The path `text` resolves to.
    func path(_ cache: HubCache, _ text: String) throws -> String {
        try cache.resolve(#require(ModelName(text))).path
    }

    func snapshot(_ root: URL, _ commit: String) -> String {
        root.appendingPathComponent("hub/models--org--name/snapshots/\(commit)").path
    }

    @Test func theDefaultRevisionIsMainThroughItsRefsFile() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = HubCache(environment: ["HF_HUB_CACHE": root.appendingPathComponent("hub").path])
        let url = try cache.resolve(#require(ModelName("org/name")))
        #expect(url.path == snapshot(root, Self.commit))
        // The snapshot's symlinks lead to the fixture's files.
        #expect(FileManager.default.contents(atPath: url.appendingPathComponent("config.json").path)
                == FileManager.default.contents(atPath: Self.fixture.appendingPathComponent("config.json").path))
        #expect(HubCache.repositoryName(of: url) == "org/name")
    }

    @Test func anExplicitRevisionIsReadFromRefsAndAHashNamesTheSnapshot() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = HubCache(environment: ["HF_HUB_CACHE": root.appendingPathComponent("hub").path])
        #expect(try path(cache, "org/name@v1") == snapshot(root, Self.other))
        #expect(try path(cache, "org/name@\(Self.other)") == snapshot(root, Self.other))
        #expect(try path(cache, "org/name@\(Self.commit.uppercased())") == snapshot(root, Self.commit))
    }

    /// HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
    @Test func theCacheFolderFollowsTheEnvironment() {
        #expect(HubCache(environment: ["HF_HUB_CACHE": "/a", "HF_HOME": "/b"]).folder.path == "/a")
        #expect(HubCache(environment: ["HF_HOME": "/b", "HOME": "/h"]).folder.path == "/b/hub")
        #expect(HubCache(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).folder.path == "/x/huggingface/hub")
        #expect(HubCache(environment: ["HOME": "/h", "HF_HUB_CACHE": ""]).folder.path == "/h/.cache/huggingface/hub")
        #expect(HubCache(environment: ["HOME": "/h"]).modelsFolder == nil)
        #expect(HubCache(environment: ["SKEIN_MODELS": "/m"]).modelsFolder?.path == "/m")
    }

    @Test func skeinModelsComesFirstUnlessARevisionIsAsked() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let local = root.appendingPathComponent("models/org/name")
        try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
        let cache = HubCache(environment: ["HF_HUB_CACHE": root.appendingPathComponent("hub").path,
                                           "SKEIN_MODELS": root.appendingPathComponent("models").path])
        #expect(try path(cache, "org/name") == local.path)
        #expect(try path(cache, "org/name@v1") == snapshot(root, Self.other))
        // Not in $SKEIN_MODELS: the cache, and an error names both places.
        try FileManager.default.removeItem(at: local)
        #expect(try path(cache, "org/name") == snapshot(root, Self.commit))
        let other = try #require(ModelName("org/other"))
        let error = #expect(throws: FormatError.self) { try cache.resolve(other) }
        #expect(error?.description.contains("\(root.appendingPathComponent("models").path) ($SKEIN_MODELS)") == true, "\(String(describing: error))")
    }

    @Test func anExistingPathWinsOverAName() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = HubCache(environment: ["HF_HUB_CACHE": root.appendingPathComponent("hub").path])
        let relative = root.appendingPathComponent("work/org/name")
        try FileManager.default.createDirectory(at: relative, withIntermediateDirectories: true)
        let work = root.appendingPathComponent("work").path
        #expect(try cache.locate("org/name", currentDirectory: work)?.path == relative.path)
        #expect(try cache.locate("org/name", currentDirectory: root.path)?.path == snapshot(root, Self.commit))
        #expect(try cache.locate(relative.path)?.path == relative.path)
        // Neither a path nor a name: nil, for the caller's own "no such file" message.
        #expect(try cache.locate("./nothing/here", currentDirectory: root.path) == nil)
        #expect(try cache.locate("", currentDirectory: root.path) == nil)
    }

    /// Each failure names the folder, refs file or snapshot that is not there and how to download.
    @Test(arguments: [
        ("org/missing", "models--org--missing", "hf download org/missing`"),
        ("org/name@v2", "models--org--name/refs/v2", "hf download org/name --revision v2`"),
        ("org/name@79abcdef0123456779abcdef0123456779abcdef", "snapshots/79abcdef0123456779abcdef0123456779abcdef",
         "--revision 79abcdef0123456779abcdef0123456779abcdef`"),
    ])
    func aMissingModelNamesWhatWasSearched(name: String, missing: String, download: String) throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let hub = root.appendingPathComponent("hub")
        let cache = HubCache(environment: ["HF_HUB_CACHE": hub.path])
        let parsed = try #require(ModelName(name))
        let error = #expect(throws: FormatError.self) { try cache.resolve(parsed) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("\(name): not found in the Hugging Face cache \(hub.path) (no \(hub.path)/"), "\(text)")
        #expect(text.contains(missing + ")") && text.contains(download), "\(text)")
        #expect(text.contains("`skein pull \(name)`"), "\(text)")
        #expect(!text.contains("\n"))
    }

    @Test func aRefToAMissingSnapshotNamesTheSnapshot() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let hub = root.appendingPathComponent("hub")
        try FileManager.default.removeItem(atPath: snapshot(root, Self.commit))
        let name = try #require(ModelName("org/name"))
        let error = #expect(throws: FormatError.self) { try HubCache(folder: hub).resolve(name) }
        #expect(error?.description.contains("(no \(snapshot(root, Self.commit)))") == true, "\(String(describing: error))")
    }

    @Test func aGGUFOnlySnapshotIsItsOneFile() throws {
        let root = try makeCache()
        defer { try? FileManager.default.removeItem(at: root) }
        let repo = root.appendingPathComponent("hub/models--org--gguf")
        let snapshot = repo.appendingPathComponent("snapshots/\(Self.commit)")
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try Data("GGUF".utf8).write(to: snapshot.appendingPathComponent("model-Q8_0.gguf"))
        try Data("# readme".utf8).write(to: snapshot.appendingPathComponent("README.md"))
        let url = try HubCache(folder: root.appendingPathComponent("hub")).resolve(#require(ModelName("org/gguf@\(Self.commit)")))
        #expect(url.lastPathComponent == "model-Q8_0.gguf")
        try Data("GGUF".utf8).write(to: snapshot.appendingPathComponent("model-Q4_0.gguf"))
        #expect(try path(HubCache(folder: root.appendingPathComponent("hub")), "org/gguf@\(Self.commit)") == snapshot.path)
    }

    @Test(arguments: ["org/name", "Qwen/Qwen2.5-0.5B-Instruct", "org/name@main", "org/name@refs/pr/1", "a_b/c.d"])
    func namesParse(text: String) throws {
        let name = try #require(ModelName(text))
        #expect(name.description == text)
    }

    @Test(arguments: ["name", "/abs/path", "./org/name", "../org/name", "a/b/c", "org/", "/name", "org/name@", "org/name@../x",
                      "org/..", "models/x.gguf", "org/-name", "org/a--b", "org/na me", "~/models"])
    func pathsAreNotNames(text: String) {
        #expect(ModelName(text) == nil)
    }
}
