import Foundation
import Hummingbird
import Logging

/// A Hugging Face Hub on 127.0.0.1 for tests: the Hub's URLs and headers for the repositories
/// it is given, a log of the requests, and injected faults (`LoopbackHubRepository`).
///
/// ```swift
/// let hub = try await LoopbackHub.start()
/// hub.serve(try LoopbackHubRepository(name: "org/name", folder: modelFolder))
/// // HF_ENDPOINT=hub.endpoint ... skein pull org/name
/// await hub.stop()
/// ```
public final class LoopbackHub: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let endpoint: String
    let state: LoopbackHubState
    private let task: Task<Void, Error>

    private init(endpoint: String, state: LoopbackHubState, task: Task<Void, Error>) {
        self.endpoint = endpoint
        self.state = state
        self.task = task
    }

    /// Starts a hub on a free port of 127.0.0.1 and returns once it accepts connections.
    public static func start() async throws -> LoopbackHub {
        let state = LoopbackHubState()
        let port = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "LoopbackHub")
        logger.logLevel = .critical
        let app = Application(
            responder: LoopbackHubResponder(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "loopback-hub"),
            onServerRunning: { channel in
                port.continuation.yield(channel.localAddress?.port ?? 0)
                port.continuation.finish()
            },
            logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var bound = 0
        for await value in port.stream { bound = value }
        guard bound > 0 else {
            task.cancel()
            let reason: String
            do { try await task.value; reason = "it stopped" } catch { reason = "\(error)" }
            throw LoopbackHubError(description: "the loopback hub did not start: \(reason)")
        }
        let endpoint = "http://127.0.0.1:\(bound)"
        state.endpoint = endpoint
        return LoopbackHub(endpoint: endpoint, state: state, task: task)
    }

    /// Adds `repository`, or replaces the one of the same name (its faults start afresh).
    public func serve(_ repository: LoopbackHubRepository) { state.serve(repository) }

    /// Every request so far, as `METHOD /path?query`, in order.
    public var requests: [String] { state.log.map(\.line) }

    /// Every request so far with the headers tests check (`Range`, `Authorization`).
    public var log: [LoopbackHubRequest] { state.log }

    /// Stops serving.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// One request the hub received.
public struct LoopbackHubRequest: Sendable, Equatable {
    public let method: String
    /// The path and query, as sent (percent-encoded).
    public let target: String
    /// The `Range` header, if any.
    public let range: String?
    /// The `Authorization` header, if any.
    public let authorization: String?

    /// `METHOD /path?query`.
    public var line: String { "\(method) \(target)" }
}

struct LoopbackHubError: Error, CustomStringConvertible {
    let description: String
}

/// The hub's mutable state, shared by the server's connections and the test.
// @unchecked: every field is read and written under `lock`.
final class LoopbackHubState: @unchecked Sendable {
    private let lock = NSLock()
    private var repositories: [String: LoopbackHubRepository] = [:]
    private var requests: [LoopbackHubRequest] = []
    /// `name/path` of the truncations already served.
    private var truncated: Set<String> = []
    private var endpointValue = ""

    var endpoint: String {
        get { lock.withLock { endpointValue } }
        set { lock.withLock { endpointValue = newValue } }
    }

    var log: [LoopbackHubRequest] { lock.withLock { requests } }

    func serve(_ repository: LoopbackHubRepository) {
        lock.withLock {
            repositories[repository.name] = repository
            truncated = truncated.filter { !$0.hasPrefix(repository.name + "/") }
        }
    }

    func record(_ request: LoopbackHubRequest) { lock.withLock { requests.append(request) } }

    func repository(_ name: String) -> LoopbackHubRepository? { lock.withLock { repositories[name] } }

    /// The byte count to cut `path`'s body at, the first time only.
    func takeTruncation(_ repository: LoopbackHubRepository, _ path: String) -> Int? {
        lock.withLock {
            guard let count = repository.truncateAfterBytes[path], !truncated.contains("\(repository.name)/\(path)") else { return nil }
            truncated.insert("\(repository.name)/\(path)")
            return count
        }
    }
}
