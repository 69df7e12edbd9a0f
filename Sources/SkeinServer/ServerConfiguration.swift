import Foundation

/// What `skein serve` was started with: where to listen, limits, and long-context defaults.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// When set, every route but `/health` needs `Authorization: Bearer KEY` with one of these
    /// keys; each key sees only its own namespace of sessions.
    public var apiKeys: APIKeys?
    /// One key, with the root session namespace (`apiKeys` of that key).
    public var apiKey: String? {
        get { apiKeys?.entries.count == 1 && apiKeys?.entries[0].namespace == "" ? apiKeys?.entries[0].key : nil }
        set { apiKeys = newValue.map(APIKeys.init(key:)) }
    }
    /// The model id `/v1/models` lists (requests may name it or anything else; one model is served).
    public var modelID = "skein"
    /// Default `--attention` and `--rope` for requests that do not set `"skein": {...}`.
    public var defaultAttention = "full"
    public var defaultRope = "config"
    public var defaultKVType = "f32"
    /// Requests queued or running at once; one more is answered 429.
    public var maxQueue = 16
    /// Sequences decoded together in one forward pass.
    public var maxBatch = 8
    /// Prompt tokens prefilled per scheduler step (keeps other streams moving during a long prefill).
    public var prefillChunk = 256
    /// Prompt plus completion tokens allowed per request.
    public var maxContext = 131_072
    /// Largest request body, in bytes.
    public var maxBodyBytes = 8 << 20
    /// Seconds a client has to send its whole request body; slower ones are answered 408.
    public var requestTimeout: Double = 30
    /// Seconds one write of a streamed response may wait for a client that does not read; past it
    /// the request is cancelled (freeing its batch slot) and the connection closed.
    public var writeTimeout: Double = 30
    /// Each connection's kernel send buffer (`SO_SNDBUF`), fixed so that a client that reads
    /// nothing stalls the writes (and starts `writeTimeout`) after a few hundred KB rather than
    /// after the megabytes Linux would otherwise let the buffer grow to.
    public var sendBufferBytes = 128 << 10
    /// Messages allowed in one chat request (each message's size is bounded by `maxBodyBytes`).
    public var maxMessages = 4096
    /// `max_tokens` when a request does not say.
    public var defaultMaxTokens = 256
    /// Prompts kept in the prefix cache (0 turns it off), and the shortest prompt worth keeping.
    public var prefixCacheEntries = 4
    public var prefixCacheMinimumTokens = 32
    /// Whether a chat that outgrows the context drops its oldest whole turns (keeping the system
    /// messages and the latest turns) rather than running past it; requests may set `trim_turns`.
    public var trimTurns = true
    /// Bytes the KV caches of all requests, the prefix cache and the sessions may take together
    /// (`--max-memory`); a request whose cache would not fit is refused before anything is allocated.
    /// The machine's available memory when the configuration is made.
    public var maxMemory = MemoryBudget.availableMemory()
    /// Sessions whose KV cache stays in memory; the least recently used beyond it are dropped
    /// (reloaded from `sessionsDirectory` when set, else started over).
    public var maxSessions = 64
    /// Where sessions are saved; nil keeps them in memory only.
    public var sessionsDirectory: URL?

    public init() {}

    /// The memory the kernel can give without swapping (`MemAvailable` of /proc/meminfo), else
    /// the machine's physical memory: the default `maxMemory`.
    public static func availableMemory() -> Int { MemoryBudget.availableMemory() }
}
