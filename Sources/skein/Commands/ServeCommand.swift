import ArgumentParser
import Foundation
import SkeinServer

/// `skein serve`: the OpenAI-compatible HTTP server.
struct ServeCommand: AsyncParsableCommand, ComputingCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over an OpenAI-compatible HTTP API (chat/completions, completions, models, sessions).",
        discussion: """
        Per request, "skein": {"attention": "...", "rope": "..."} picks the long-context policy; --attention and --rope set
        the defaults. "session": "ID" keeps a conversation's KV cache across requests (create it with POST /v1/sessions);
        with --sessions DIR sessions are saved after every request and survive restarts. SIGTERM or SIGINT stops taking
        connections and lets running requests finish.
        """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: "Address to listen on (localhost by default; 0.0.0.0 exposes the server to the network).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port = 8080

    @Option(help: "Require 'Authorization: Bearer KEY' on every route but /health (visible in the process list: prefer --api-key-file or SKEIN_API_KEY).")
    var apiKey: String?

    @Option(help: ArgumentHelp("A file with the key, or with lines 'NAME KEY': several keys, each with its own sessions (NAME's).",
                               valueName: "file"))
    var apiKeyFile: String?

    @Option(help: "The model id /v1/models reports.")
    var modelId = "skein"

    @Option(help: "A folder for sessions; without it sessions live in memory only.")
    var sessions: String?

    @Option(help: "Sessions whose KV cache stays in memory; the least recently used beyond it are dropped (reloaded from --sessions DIR, else started over).")
    var maxSessions = 64

    @Option(help: "Requests queued or running at once; more are answered 429.")
    var maxQueue = 256

    @Option(help: "Requests decoded together in one forward pass.")
    var maxBatch = 8

    @Option(help: "Prompt plus completion tokens allowed per request.")
    var maxContext = 131_072

    @Option(help: "Largest request body in bytes.")
    var maxBody = 8 << 20

    @Option(help: "Seconds a client has to send its whole request body; slower ones are answered 408.")
    var requestTimeout: Double = 30

    @Option(help: "Seconds one write of a streamed response may wait for a client that reads nothing; past it the request is cancelled and the connection closed.")
    var writeTimeout: Double = 30

    @Option(help: ArgumentHelp("Bytes the KV caches may take together (requests, prefix cache, sessions); a request whose cache at prompt + max_tokens would not fit is answered 503. Default: the memory available once the model is loaded.", valueName: "bytes"))
    var maxMemory: Int?

    @Option(help: "Messages allowed in one chat request; more are answered 400.")
    var maxMessages = 4096

    @Option(help: "max_tokens for requests that do not set it.")
    var defaultMaxTokens = 256

    @Option(help: "Prompts kept in the prefix cache (0 turns it off).")
    var prefixCache = 4

    @Flag(inversion: .prefixedNo, help: """
        Fit a chat that outgrows the context (the model's, under full attention, or --max-context) by dropping its \
        oldest whole turns, keeping the system messages; the response's skein.trimmed_turns says how many.
        """)
    var trimTurns = true

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        for (name, value) in [("--max-queue", maxQueue), ("--max-batch", maxBatch), ("--max-context", maxContext),
                              ("--max-body", maxBody), ("--default-max-tokens", defaultMaxTokens),
                              ("--max-messages", maxMessages), ("--max-sessions", maxSessions)] where value < 1 {
            throw ValidationError("\(name) must be >= 1, got \(value)")
        }
        guard requestTimeout > 0, requestTimeout.isFinite else { throw ValidationError("--request-timeout must be > 0 seconds, got \(requestTimeout)") }
        guard writeTimeout > 0, writeTimeout.isFinite else { throw ValidationError("--write-timeout must be > 0 seconds, got \(writeTimeout)") }
        if let maxMemory, maxMemory < 1 { throw ValidationError("--max-memory must be >= 1 byte, got \(maxMemory)") }
        guard prefixCache >= 0 else { throw ValidationError("--prefix-cache must be >= 0") }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty") }
        if apiKey != nil, apiKeyFile != nil { throw ValidationError("give --api-key or --api-key-file, not both") }
    }

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.apiKeys = try apiKeys()
        configuration.modelID = modelId
        configuration.defaultAttention = policyOptions.attention
        configuration.defaultRope = policyOptions.rope
        configuration.defaultKVType = policyOptions.kvType
        configuration.maxQueue = maxQueue
        configuration.maxBatch = maxBatch
        configuration.maxContext = maxContext
        configuration.maxBodyBytes = maxBody
        configuration.maxMessages = maxMessages
        configuration.requestTimeout = requestTimeout
        configuration.writeTimeout = writeTimeout
        configuration.maxSessions = maxSessions
        configuration.defaultMaxTokens = defaultMaxTokens
        configuration.prefixCacheEntries = prefixCache
        configuration.trimTurns = trimTurns
        configuration.sessionsDirectory = sessions.map { URL(fileURLWithPath: $0) }
        let folder = try modelOptions.resolvedURL()
        // A bad --attention/--rope/--kv-type is a usage error (64); a model that fails to load, 1.
        let model = try ModelHost(folder: folder)
        configuration.maxMemory = maxMemory ?? ServerConfiguration.availableMemory()
        let server = try SkeinServer(host: model, configuration: configuration)
        let host = self.host
        try await server.run { port in
            print("skein serve: listening on http://\(host):\(port) (model \(modelDisplayName(folder)))")
            fflush(stdout)
        }
    }

    /// The keys from --api-key, else --api-key-file, else `$SKEIN_API_KEY`; nil leaves the server open.
    func apiKeys() throws -> APIKeys? {
        if let apiKey { return APIKeys(key: apiKey) }
        if let apiKeyFile {
            let url = URL(fileURLWithPath: apiKeyFile)
            guard FileManager.default.fileExists(atPath: url.path) else { throw RuntimeError(.missingFile, "\(apiKeyFile): no such file (--api-key-file)") }
            do { return try APIKeys.load(file: url) } catch let error as APIKeysError { throw RuntimeError(.badData, "\(error.description) (--api-key-file)") }
        }
        if let key = ProcessInfo.processInfo.environment["SKEIN_API_KEY"], !key.isEmpty { return APIKeys(key: key) }
        return nil
    }
}
