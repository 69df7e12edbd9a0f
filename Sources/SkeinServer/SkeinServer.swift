import Foundation
import Hummingbird
import NIOCore
import SkeinEngine

/// The OpenAI-compatible server: routes, engine scheduler, sessions and metrics.
public final class SkeinServer: Sendable {
    public let configuration: ServerConfiguration
    public let host: ModelHost
    public let scheduler: Scheduler
    public let sessions: SessionStore
    public let metrics: ServerMetrics

    public init(host: ModelHost, configuration: ServerConfiguration) throws {
        // Fail at start, not on the first request, when the default policy is bad.
        _ = try host.resolve(attention: configuration.defaultAttention, rope: configuration.defaultRope,
                             kvType: configuration.defaultKVType)
        self.host = host
        self.configuration = configuration
        metrics = ServerMetrics()
        sessions = try SessionStore(directory: configuration.sessionsDirectory, host: host, maxCached: configuration.maxSessions)
        scheduler = Scheduler(configuration: configuration, sessions: sessions, metrics: metrics)
    }

    /// Serves until SIGTERM or SIGINT, then stops taking connections, lets in-flight requests
    /// finish, and stops the engine.
    ///
    /// - Parameter onListening: called with the bound port (useful with port 0).
    /// - Throws: `ServerError.portInUse` / `.addressUnavailable` when the address cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        scheduler.start()
        defer { scheduler.stop() }
        let router = Router(context: BasicRequestContext.self)
        Routes(server: self).register(on: router)
        let responder = GuardedResponder(inner: router.buildResponder(), apiKeys: configuration.apiKeys, metrics: metrics)
        let app = Application(
            responder: responder,
            server: .http1(sendBufferBytes: configuration.sendBufferBytes),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "skein"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) })
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch let error as IOError {
            throw ServerError(binding: error, host: configuration.host, port: configuration.port) ?? error
        }
    }
}
