import Foundation
import SkeinDemoModel
import SkeinEngine
import Testing
@testable import SkeinServer

/// Session files: atomic saves, crash leftovers, corruption.
struct SessionStoreTests {
    let host: ModelHost

    init() throws { host = try ModelHost(folder: DemoModel.folder!) }

    /// Saves a session holding `tokens`' cache and returns the store's folder.
    func savedSession(_ tokens: [Int]) throws -> URL {
        let folder = try temporaryFolder("store")
        let store = try SessionStore(directory: folder, host: host)
        _ = try store.create(id: "s", attention: "full", rope: "config")
        let session = try store.checkout("s")
        #expect(session.tokens.isEmpty)
        let cache = host.base.makeCache()
        _ = try host.base.forward(tokens, cache: cache)
        #expect(store.checkin("s", tokens: tokens, cache: cache) == nil)
        return folder
    }

    /// A crash mid-save leaves a partial temporary file next to the previous save: a new store
    /// removes the leftover and restores the previous save, cache included.
    @Test func aCrashDuringASaveLeavesThePreviousSaveIntact() throws {
        let tokens = Array(1...30)
        let folder = try savedSession(tokens)
        let leftover = folder.appendingPathComponent(".s.session.999.partial")
        try Data("half a session".utf8).write(to: leftover)
        let store = try SessionStore(directory: folder, host: host)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        let restored = try store.checkout("s")
        #expect(restored.tokens == tokens)
        let expected = host.base.makeCache()
        let next = try host.base.forward(tokens + [5], cache: expected, logits: .last)
        #expect(try host.base.forward([5], cache: #require(restored.cache), logits: .last) == next)
    }

    @Test func aCorruptedSessionFileIsReportedAndNotUsed() throws {
        let folder = try savedSession(Array(1...30))
        let file = folder.appendingPathComponent("s.session")
        var data = try Data(contentsOf: file)
        data[data.count / 2] ^= 0xFF
        try data.write(to: file)
        let store = try SessionStore(directory: folder, host: host)
        #expect {
            try store.checkout("s")
        } throws: { error in
            (error as? APIError)?.code == "session_corrupt" && "\(error)".contains("checksum")
        }
    }

    @Test func idsAreFileNamesAndSessionsAreExclusive() throws {
        let store = try SessionStore(directory: try temporaryFolder("ids"), host: host)
        for bad in ["", "../etc", "a/b", String(repeating: "x", count: 65), "é"] {
            #expect(throws: APIError.self) { try store.create(id: bad, attention: "full", rope: "config") }
        }
        _ = try store.create(id: "ok_1-2", attention: "full", rope: "config")
        #expect(throws: APIError.self) { try store.create(id: "ok_1-2", attention: "full", rope: "config") }
        _ = try store.checkout("ok_1-2")
        #expect { try store.checkout("ok_1-2") } throws: { ($0 as? APIError)?.code == "session_busy" }
        #expect { try store.checkout("missing") } throws: { ($0 as? APIError)?.code == "session_not_found" }
    }

    /// Runs one turn of `tokens` in session `id`: checkout, prefill after what it holds, checkin.
    func turn(_ store: SessionStore, _ id: String, _ tokens: [Int]) throws -> [Float] {
        let session = try store.checkout(id)
        let cache = session.cache ?? host.base.makeCache()
        let new = Array(tokens[session.tokens.count...])
        let logits = try host.base.forward(new, cache: cache, logits: .last)[0]
        #expect(store.checkin(id, tokens: tokens, cache: cache) == nil)
        return logits
    }

    /// --max-sessions 2 with three sessions: the third drops the least recently used from memory;
    /// with a folder it reloads from its file, cache and all, and gives the same logits.
    @Test func theLeastRecentlyUsedSessionLeavesMemoryAndReloads() throws {
        let store = try SessionStore(directory: try temporaryFolder("lru"), host: host, maxCached: 2)
        for id in ["a", "b", "c"] { _ = try store.create(id: id, attention: "full", rope: "config") }
        let prompt = Array(1...20)
        _ = try turn(store, "a", prompt)
        _ = try turn(store, "b", prompt)
        #expect(store.cachedIDs == ["a", "b"])
        let bytesOfTwo = store.byteCount
        _ = try turn(store, "c", prompt)
        #expect(store.cachedIDs == ["b", "c"], "a was the least recently used")
        #expect(store.byteCount == bytesOfTwo, "two caches in memory, not three")
        let reloaded = try store.checkout("a")
        #expect(reloaded.tokens == prompt && reloaded.cache != nil, "a reloads from its file")
        store.checkin("a", tokens: nil, cache: nil)
        #expect(store.cachedIDs == ["c", "a"], "loading a drops b")
        let expected = host.base.makeCache()
        let next = try host.base.forward(prompt + [7], cache: expected, logits: .last)[0]
        #expect(try turn(store, "a", prompt + [7]) == next)
    }

    /// Without a folder an evicted session keeps its id and policy and starts over.
    @Test func withoutAFolderAnEvictedSessionStartsOver() throws {
        let store = try SessionStore(directory: nil, host: host, maxCached: 1)
        for id in ["a", "b"] { _ = try store.create(id: id, attention: "full", rope: "config") }
        _ = try turn(store, "a", Array(1...10))
        _ = try turn(store, "b", Array(1...10))
        #expect(store.cachedIDs == ["b"])
        let a = try store.checkout("a")
        #expect(a.tokens.isEmpty && a.cache == nil && a.attention == "full")
        store.checkin("a", tokens: nil, cache: nil)
        #expect(store.list() == ["a", "b"])
    }
}
