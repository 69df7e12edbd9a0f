import Foundation
import SkeinFormats
import SkeinHubTesting
import Testing

/// `HubDownloader` against the loopback Hub: the cache layout, resumes, verification, access.
@Suite struct PullTests {
    /// A hub serving the fixture model as `org/name`, and an empty cache.
    struct Setup {
        let hub: LoopbackHub
        let repository: LoopbackHubRepository
        let root: URL
        var cache: HubCache { HubCache(folder: root.appendingPathComponent("hub")) }

        init(_ configure: (inout LoopbackHubRepository) -> Void = { _ in }) async throws {
            hub = try await LoopbackHub.start()
            var repository = try LoopbackHubRepository(name: "org/name", folder: HubFixtures.model)
            configure(&repository)
            hub.serve(repository)
            self.repository = repository
            root = try HubFixtures.temporaryFolder("pull")
        }

        func downloader(token: String? = nil, attempts: Int = 3) -> HubDownloader {
            var downloader = HubDownloader(endpoint: URL(string: hub.endpoint)!, token: token, cache: cache)
            downloader.attempts = attempts
            return downloader
        }

        var folder: URL { cache.folder.appendingPathComponent("models--org--name") }

        func finish() async {
            await hub.stop()
            try? FileManager.default.removeItem(at: root)
        }
    }

    static let fixtureFiles = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]

    @Test func aFullPullMakesTheHuggingFaceLayout() async throws {
        let setup = try await Setup()
        defer { Task { await setup.finish() } }
        let result = try await setup.downloader().pull(try #require(ModelName("org/name")))
        #expect(result.commit == setup.repository.commit)
        #expect(result.downloaded.sorted() == Self.fixtureFiles && result.skipped.isEmpty)
        let fm = FileManager.default
        let ref = try String(contentsOf: setup.folder.appendingPathComponent("refs/main"), encoding: .utf8)
        #expect(ref == setup.repository.commit)
        #expect(result.snapshot.path == setup.folder.appendingPathComponent("snapshots/\(setup.repository.commit)").path)
        #expect(result.model == result.snapshot)
        #expect(try fm.contentsOfDirectory(atPath: result.snapshot.path).sorted() == Self.fixtureFiles)
        for name in Self.fixtureFiles {
            let entry = result.snapshot.appendingPathComponent(name)
            let served = try #require(setup.repository.files[name])
            // A relative link to the blob named by the ETag: the SHA-256 for LFS files.
            #expect(try fm.destinationOfSymbolicLink(atPath: entry.path) == "../../blobs/\(served.etag)")
            #expect(served.isLFS == (name == "model.safetensors" || name == "tokenizer.json" || name == "tokenizer_config.json"))
            #expect(try Data(contentsOf: entry) == Data(contentsOf: HubFixtures.model.appendingPathComponent(name)), "\(name)")
        }
        #expect(try fm.contentsOfDirectory(atPath: setup.folder.appendingPathComponent("blobs").path).allSatisfy { !$0.hasSuffix(".incomplete") })
        // The LFS file came through the redirect to the CDN, with the listing asked with blobs=true.
        #expect(setup.hub.requests.contains("GET /api/models/org/name/revision/main?blobs=true"))
        #expect(setup.hub.requests.contains("GET /cdn/org/name/model.safetensors"))
        // HubCache finds what pull wrote.
        #expect(try setup.cache.resolve(try #require(ModelName("org/name"))).path == result.snapshot.path)

        // A second pull transfers nothing.
        let before = setup.hub.requests.count
        let again = try await setup.downloader().pull(try #require(ModelName("org/name")))
        #expect(again.downloaded.isEmpty && again.skipped.sorted() == Self.fixtureFiles)
        let later = setup.hub.requests.dropFirst(before)
        #expect(!later.isEmpty && later.allSatisfy { !$0.hasPrefix("GET /cdn/") && !$0.hasPrefix("GET /org/") }, "\(Array(later))")
    }

    @Test func filesInSubfoldersLinkWithDeeperPaths() async throws {
        let source = try HubFixtures.temporaryFolder("nested")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: source.appendingPathComponent("config.json"))
        try Data("nested".utf8).write(to: source.appendingPathComponent("a/b/notes.txt"))
        let hub = try await LoopbackHub.start()
        hub.serve(try LoopbackHubRepository(name: "org/nested", folder: source))
        let root = try HubFixtures.temporaryFolder("nested-cache")
        defer { Task { await hub.stop(); try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: source) } }
        let downloader = HubDownloader(endpoint: URL(string: hub.endpoint)!, token: nil, cache: HubCache(folder: root))
        let result = try await downloader.pull(try #require(ModelName("org/nested")))
        let entry = result.snapshot.appendingPathComponent("a/b/notes.txt")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: entry.path).hasPrefix("../../../../blobs/"))
        #expect(try String(contentsOf: entry, encoding: .utf8) == "nested")
    }

    /// A snapshot of one GGUF file and no config.json: the pull's model is that file, as for `HubCache`.
    @Test func aGGUFOnlySnapshotsModelIsTheFile() async throws {
        let source = try HubFixtures.temporaryFolder("gguf")
        try Data("GGUF not really".utf8).write(to: source.appendingPathComponent("m-Q4_K_M.gguf"))
        try Data("# card".utf8).write(to: source.appendingPathComponent("README.md"))
        let hub = try await LoopbackHub.start()
        hub.serve(try LoopbackHubRepository(name: "org/gguf", folder: source))
        let root = try HubFixtures.temporaryFolder("gguf-cache")
        defer { Task { await hub.stop(); try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: source) } }
        let cache = HubCache(folder: root)
        let result = try await HubDownloader(endpoint: URL(string: hub.endpoint)!, token: nil, cache: cache).pull(try #require(ModelName("org/gguf")))
        #expect(result.model == result.snapshot.appendingPathComponent("m-Q4_K_M.gguf"))
        #expect(try cache.resolve(try #require(ModelName("org/gguf"))).path == result.model.path)
    }

    @Test func anInterruptedDownloadResumesWithARangeRequest() async throws {
        let setup = try await Setup { $0.truncateAfterBytes["model.safetensors"] = 100_000 }
        defer { Task { await setup.finish() } }
        let result = try await setup.downloader().pull(try #require(ModelName("org/name")))
        let gets = setup.hub.log.filter { $0.method == "GET" && $0.target == "/cdn/org/name/model.safetensors" }
        #expect(gets.count == 2, "\(gets)")
        #expect(gets.first?.range == nil)
        let range = try #require(gets.last?.range)
        let start = try #require(Int(range.dropFirst("bytes=".count).dropLast()))
        #expect(range.hasPrefix("bytes=") && range.hasSuffix("-") && start > 0 && start <= 100_000, "\(range)")
        let file = result.snapshot.appendingPathComponent("model.safetensors")
        #expect(try Data(contentsOf: file) == Data(contentsOf: HubFixtures.model.appendingPathComponent("model.safetensors")))
    }

    /// With one attempt the pull fails, keeps only `.incomplete`, and the next run resumes it.
    @Test func aRerunResumesWhatAnInterruptedRunLeft() async throws {
        let setup = try await Setup { $0.truncateAfterBytes["model.safetensors"] = 60_000 }
        defer { Task { await setup.finish() } }
        let name = try #require(ModelName("org/name"))
        let sha = try #require(setup.repository.files["model.safetensors"]).etag
        let blob = setup.folder.appendingPathComponent("blobs/\(sha)")
        let error = await #expect(throws: HubError.self) { try await setup.downloader(attempts: 1).pull(name) }
        guard case .interrupted(let file, let received, let expected, let partial, _) = error else {
            Issue.record("expected .interrupted, got \(String(describing: error))")
            return
        }
        #expect(file == "model.safetensors" && received > 0 && received <= 60_000 && expected == 249_600)
        #expect(partial == blob.path + ".incomplete" && FileManager.default.fileExists(atPath: partial))
        #expect(!FileManager.default.fileExists(atPath: blob.path))
        _ = try await setup.downloader(attempts: 1).pull(name)
        #expect(setup.hub.log.last { $0.target == "/cdn/org/name/model.safetensors" }?.range == "bytes=\(received)-")
        #expect(try Data(contentsOf: blob) == Data(contentsOf: HubFixtures.model.appendingPathComponent("model.safetensors")))
        #expect(!FileManager.default.fileExists(atPath: partial))
    }

    /// A blob locked by another pull (here, this test holding huggingface_hub's lock file) is
    /// not fetched until the lock is released.
    @Test func aPullWaitsForTheBlobsLock() async throws {
        let setup = try await Setup()
        defer { Task { await setup.finish() } }
        let sha = try #require(setup.repository.files["model.safetensors"]).etag
        let lockFile = setup.cache.folder.appendingPathComponent(".locks/models--org--name/\(sha).lock")
        try FileManager.default.createDirectory(at: lockFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(lockFile.path, O_RDWR | O_CREAT, 0o644)
        try #require(fd >= 0 && flock(fd, LOCK_EX) == 0)
        let name = try #require(ModelName("org/name"))
        let downloader = setup.downloader()
        let pull = Task { try await downloader.pull(name) }
        try await Task.sleep(nanoseconds: 700_000_000)
        #expect(!setup.hub.requests.contains("GET /cdn/org/name/model.safetensors"))
        flock(fd, LOCK_UN)
        close(fd)
        let result = try await pull.value
        #expect(result.downloaded.sorted() == Self.fixtureFiles)
        #expect(setup.hub.requests.contains("GET /cdn/org/name/model.safetensors"))
    }

    @Test func aCorruptedFileIsDetectedAndNotKept() async throws {
        let setup = try await Setup { $0.corrupt = ["model.safetensors"] }
        defer { Task { await setup.finish() } }
        let name = try #require(ModelName("org/name"))
        let sha = try #require(setup.repository.files["model.safetensors"]).etag
        let error = await #expect(throws: HubError.self) { try await setup.downloader().pull(name) }
        guard case .digestMismatch(let file, let expected, let actual) = error else {
            Issue.record("expected .digestMismatch, got \(String(describing: error))")
            return
        }
        #expect(file == "model.safetensors" && expected == sha && actual != sha && actual.count == 64)
        #expect(error?.description.contains("model.safetensors") == true)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: setup.folder.appendingPathComponent("blobs").path)
        #expect(!blobs.contains(sha) && !blobs.contains(sha + ".incomplete"), "\(blobs)")
        // The fault cleared, a rerun downloads it afresh.
        var fixed = setup.repository
        fixed.corrupt = []
        setup.hub.serve(fixed)
        let result = try await setup.downloader().pull(name)
        #expect(result.downloaded.contains("model.safetensors"))
        #expect(try Data(contentsOf: result.snapshot.appendingPathComponent("model.safetensors"))
                == Data(contentsOf: HubFixtures.model.appendingPathComponent("model.safetensors")))
    }

    @Test func aGatedRepositoryAsksForHFToken() async throws {
        let setup = try await Setup { $0.gated = true }
        defer { Task { await setup.finish() } }
        let name = try #require(ModelName("org/name"))
        let error = await #expect(throws: HubError.self) { try await setup.downloader().pull(name) }
        #expect(error == .unauthorized(repository: "org/name", tokenSent: false))
        #expect(error?.description.contains("set HF_TOKEN") == true && error?.description.contains("org/name is gated or private") == true)
        let wrong = await #expect(throws: HubError.self) { try await setup.downloader(token: "hf_wrong").pull(name) }
        #expect(wrong == .unauthorized(repository: "org/name", tokenSent: true))
        #expect(wrong?.description.contains("HF_TOKEN") == true)
        let result = try await setup.downloader(token: setup.repository.token).pull(name)
        #expect(result.downloaded.count == Self.fixtureFiles.count)
        #expect(setup.hub.log.last?.authorization == "Bearer \(setup.repository.token)")
    }

    /// The token goes to the Hub, not to the other host it redirects LFS files to.
    @Test func theTokenStaysWithTheHubsHost() async throws {
        let setup = try await Setup {
            $0.gated = true
            $0.cdnHost = "localhost"
        }
        defer { Task { await setup.finish() } }
        let result = try await setup.downloader(token: setup.repository.token).pull(try #require(ModelName("org/name")))
        #expect(try Data(contentsOf: result.snapshot.appendingPathComponent("model.safetensors"))
                == Data(contentsOf: HubFixtures.model.appendingPathComponent("model.safetensors")))
        let cdn = setup.hub.log.filter { $0.target.hasPrefix("/cdn/") }
        let hub = setup.hub.log.filter { !$0.target.hasPrefix("/cdn/") }
        #expect(cdn.count == 3 && cdn.allSatisfy { $0.authorization == nil }, "\(cdn)")
        #expect(!hub.isEmpty && hub.allSatisfy { $0.authorization == "Bearer \(setup.repository.token)" }, "\(hub)")
    }

    @Test func includeDownloadsOnlyMatchingFiles() async throws {
        let setup = try await Setup()
        defer { Task { await setup.finish() } }
        let result = try await setup.downloader().pull(try #require(ModelName("org/name")), include: [GlobPattern("*.json")])
        let json = Self.fixtureFiles.filter { $0.hasSuffix(".json") }
        #expect(result.downloaded.sorted() == json)
        #expect(try FileManager.default.contentsOfDirectory(atPath: result.snapshot.path).sorted() == json)
        #expect(!setup.hub.requests.contains { $0.contains("model.safetensors") })
        let name = try #require(ModelName("org/name"))
        let none = await #expect(throws: HubError.self) { try await setup.downloader().pull(name, include: [GlobPattern("*.gguf")]) }
        #expect(none == .noMatchingFiles(repository: "org/name", patterns: ["*.gguf"]))
    }

    @Test func aCommitRevisionWritesNoRef() async throws {
        let setup = try await Setup()
        defer { Task { await setup.finish() } }
        let name = try #require(ModelName("org/name@\(setup.repository.commit)"))
        let result = try await setup.downloader().pull(name, include: [GlobPattern("config.json")])
        #expect(result.downloaded == ["config.json"])
        #expect(!FileManager.default.fileExists(atPath: setup.folder.appendingPathComponent("refs").path))
        #expect(try setup.cache.resolve(name).path == result.snapshot.path)
    }

    @Test func unknownRepositoriesRevisionsAndEndpointsAreExplained() async throws {
        let setup = try await Setup()
        let endpoint = setup.hub.endpoint
        let unknown = try #require(ModelName("org/missing")), otherRevision = try #require(ModelName("org/name@v9"))
        let known = try #require(ModelName("org/name"))
        let missing = await #expect(throws: HubError.self) { try await setup.downloader().pull(unknown) }
        guard case .notFound(let what, let name, _) = missing else { Issue.record("\(String(describing: missing))"); return }
        #expect(what == "repository or revision" && name == "org/missing")
        let revision = await #expect(throws: HubError.self) { try await setup.downloader().pull(otherRevision) }
        guard case .notFound(let what, let name, _) = revision else { Issue.record("\(String(describing: revision))"); return }
        #expect(what == "revision" && name == "v9 of org/name")
        await setup.finish()
        let down = await #expect(throws: HubError.self) { try await setup.downloader().pull(known) }
        guard case .connectionFailed(let named, _) = down else { Issue.record("\(String(describing: down))"); return }
        #expect(named == endpoint)
    }
}
