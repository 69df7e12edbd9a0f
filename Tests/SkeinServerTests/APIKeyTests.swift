import Foundation
@testable import SkeinServer
import Testing

/// API keys: a keys file gives each key its own sessions, keys can stay out of the process list,
/// only /health is open without one, and session ids cannot step outside their namespace.
@Suite struct APIKeyTests {
    /// A keys file of two keys, alice's and bob's.
    func keysFile() throws -> URL {
        let url = try temporaryFolder("keys").appendingPathComponent("keys.txt")
        try "# name key\nalice key-of-alice\nbob   key-of-bob\n".write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func ids(_ body: [String: Any]) -> [String] { (body["data"] as? [String]) ?? ["not a list: \(body)"] }

    @Test func oneKeyCannotReadListOrDeleteAnothersSessions() throws {
        let folder = try temporaryFolder("key-sessions")
        let server = try ServerProcess(arguments: ["--api-key-file", try keysFile().path, "--sessions", folder.path],
                                       apiKey: "key-of-alice", keyOnCommandLine: false)
        #expect(try server.post("/v1/sessions", ["id": "chat-1"]).0 == 201)
        let turn: [String: Any] = ["messages": [["role": "user", "content": "Who made the earth?"]], "max_tokens": 4,
                                   "temperature": 0, "session": "chat-1"]
        #expect(try server.post("/v1/chat/completions", turn).0 == 200)
        #expect(ids(try server.request("/v1/sessions", method: "GET", body: nil).1) == ["chat-1"])

        server.apiKey = "key-of-bob"
        #expect(try server.request("/v1/sessions/chat-1", method: "GET", body: nil).0 == 404)
        #expect(ids(try server.request("/v1/sessions", method: "GET", body: nil).1) == [])
        #expect(try server.request("/v1/sessions/chat-1", method: "DELETE", body: nil).0 == 404)
        #expect(try server.post("/v1/chat/completions", turn).0 == 404, "bob used alice's session")
        for reach in ["alice/chat-1", "../alice/chat-1", "..%2Falice%2Fchat-1", "alice%2Fchat-1"] {
            #expect(try server.request("/v1/sessions/\(reach)", method: "GET", body: nil).0 == 404, "\(reach)")
            var other = turn
            other["session"] = reach.removingPercentEncoding
            #expect(try server.post("/v1/chat/completions", other).0 == 404, "\(reach)")
        }
        // Bob's own session of the same name is his, in his own folder.
        #expect(try server.post("/v1/sessions", ["id": "chat-1"]).0 == 201)
        #expect(try server.request("/v1/sessions/chat-1", method: "GET", body: nil).1["tokens"] as? Int == 0)
        #expect(try server.request("/v1/sessions/chat-1", method: "DELETE", body: nil).0 == 200)

        server.apiKey = "key-of-alice"
        let alice = try server.request("/v1/sessions/chat-1", method: "GET", body: nil)
        #expect(alice.0 == 200)
        #expect((alice.1["tokens"] as? Int ?? 0) > 0, "alice's session lost its tokens: \(alice.1)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("alice/chat-1.session").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("bob/chat-1.session").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("chat-1.session").path))

        server.apiKey = "key-of-carol"
        #expect(try server.request("/v1/sessions", method: "GET", body: nil).0 == 401)
    }

    @Test func sessionIdsWithPathCharactersAreRefused() throws {
        let folder = try temporaryFolder("path-ids")
        let server = try ServerProcess(arguments: ["--sessions", folder.path])
        for id in ["../x", "a/b", "..", ".", "x.session", "a\\b", "", String(repeating: "a", count: 65), "é"] {
            let created = try server.post("/v1/sessions", ["id": id]).0
            #expect(created == 400, "creating \(id.debugDescription) gave \(created)")
            let turn: [String: Any] = ["messages": [["role": "user", "content": "hi"]], "max_tokens": 1, "session": id]
            #expect(try server.post("/v1/chat/completions", turn).0 == 404, "\(id.debugDescription)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.deletingLastPathComponent().appendingPathComponent("x.session").path))
    }

    @Test func onlyHealthIsOpenWithoutAKey() throws {
        let server = try ServerProcess(arguments: [])
        server.apiKey = ""
        #expect(try server.request("/health", method: "GET", body: nil).0 == 200)
        for (method, path) in [("GET", "/metrics"), ("GET", "/v1/models"), ("GET", "/v1/sessions"), ("POST", "/v1/sessions"),
                               ("GET", "/v1/sessions/x"), ("DELETE", "/v1/sessions/x"), ("POST", "/v1/chat/completions"),
                               ("POST", "/v1/completions"), ("GET", "/no-such-route")] {
            let status = try server.request(path, method: method, body: method == "POST" ? Data("{}".utf8) : nil).0
            #expect(status == 401, "\(method) \(path) without a key gave \(status)")
        }
    }

    @Test func theKeyCanComeFromTheEnvironmentOutOfTheProcessList() throws {
        let server = try ServerProcess(arguments: [], apiKey: "key-from-env", keyOnCommandLine: false,
                                       environment: ["SKEIN_API_KEY": "key-from-env"])
        #expect(try server.request("/v1/models", method: "GET", body: nil).0 == 200)
        let commandLine = try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/cmdline", encoding: .utf8)
        #expect(!commandLine.contains("key-from-env"))
        server.apiKey = "other"
        #expect(try server.request("/v1/models", method: "GET", body: nil).0 == 401)
    }

    @Test func keysFilesAreParsedOrRefusedWithTheLine() throws {
        let folder = try temporaryFolder("keyfiles")
        func load(_ text: String) throws -> APIKeys {
            let url = folder.appendingPathComponent(UUID().uuidString)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return try APIKeys.load(file: url)
        }
        #expect(try load("  solo-key \n") == APIKeys(key: "solo-key"))
        #expect(try load("a k1\n\n# c\nb k2").entries == [.init(key: "k1", namespace: "a"), .init(key: "k2", namespace: "b")])
        for (text, line) in [("a k1\nb", 2), ("a k1\na k2", 2), ("a k1\nb k1", 2), ("../x k1\nb k2", 1), ("a k1 extra\nb k2", 1)] {
            #expect { try load(text) } throws: { ($0 as? APIKeysError)?.line == line }
        }
        #expect(throws: APIKeysError.self) { try load("# only a comment\n") }
        let keys = try load("a k1\nb k2")
        #expect(keys.namespace(authorization: "Bearer k2") == "b")
        #expect(keys.namespace(authorization: "Bearer k") == nil)
        #expect(keys.namespace(authorization: "Bearer k22") == nil)
        #expect(keys.namespace(authorization: "k1") == nil)
        #expect(keys.namespace(authorization: nil) == nil)
    }

    @Test func sixtyFourConcurrentClientsOnTheDefaultSettingsSeeNo429() throws {
        let server = try ServerProcess(arguments: [])
        let statuses = ManagedStatuses()
        let group = DispatchGroup()
        for i in 0..<64 {  // one thread per client, all requests in flight at once
            group.enter()
            Thread {
                let status = (try? server.post("/v1/completions", ["prompt": "Number \(i):", "max_tokens": 16, "temperature": 0]).0) ?? -1
                statuses.append(status)
                group.leave()
            }.start()
        }
        group.wait()
        #expect(statuses.all.count == 64)
        #expect(statuses.all.allSatisfy { $0 == 200 }, "statuses: \(statuses.all.sorted())")
    }
}

/// Statuses collected from concurrent requests.
final class ManagedStatuses: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int] = []
    func append(_ status: Int) { lock.lock(); statuses.append(status); lock.unlock() }
    var all: [Int] { lock.lock(); defer { lock.unlock() }; return statuses }
}
