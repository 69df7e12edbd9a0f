import Foundation
import SkeinEngine

/// Everything a request asks of the engine, checked and tokenized.
public struct JobSpec: Sendable {
    public var promptTokens: [Int]
    public var maxTokens: Int
    public var sampling: SamplingParameters
    public var stopTokens: Set<Int>
    /// How many alternatives to report per token; nil reports no log-probabilities.
    public var topLogprobs: Int?
    public var model: TransformerModel
    public var policy: AttentionPolicy
    /// The request's spellings, for the prefix cache key and the response.
    public var attention: String
    public var rope: String
    public var kvType: String
    public var session: String?
    /// Old turns dropped from a chat to fit the context (nil when none were).
    public var trimmed: TrimmedTurns? = nil
    /// What the client should know about the policy and this input: how it was sized for it, or
    /// that the input passes its reach (`PolicyChoice.sizingNote`, `reachWarning`); nil when neither.
    public var notice: String? = nil
    /// Whether `policy` was sized for this input (it is then echoed with its keys).
    public var sized = false
}

/// What template-aware trimming dropped from a chat request (`ConversationTrimming`).
public struct TrimmedTurns: Sendable, Equatable {
    public var turns: Int
    public var messages: Int
}

/// One generated token as the client sees it.
public struct GeneratedToken: Sendable {
    public var id: Int
    /// log p(id) under the model's distribution (before temperature), when asked for.
    public var logprob: Float?
    /// The most likely alternatives, best first, when asked for.
    public var top: [(id: Int, logprob: Float)]
}

/// How a job ended.
public struct JobSummary: Sendable {
    public var finishReason: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served by the prefix cache or the session instead of prefill.
    public var cachedTokens: Int
    /// Set when the engine failed (the request gets a 500 or an error event).
    public var error: String?
}

/// What a running job reports to its HTTP handler, in order.
public enum JobEvent: Sendable {
    case token(GeneratedToken)
    case finished(JobSummary)
}

/// A request inside the scheduler. Only the scheduler's thread touches its state; any thread may
/// `cancel()` it.
public final class InferenceJob: @unchecked Sendable {
    public let spec: JobSpec
    let events: AsyncStream<JobEvent>.Continuation
    private let lock = NSLock()
    private var _cancelled = false

    // Scheduler-thread state.
    var session: SessionStore.Session?
    var cache: DenseKVCache?
    /// Tokens whose keys and values the cache holds, in order (prompt, then all but the newest output).
    var covered: [Int] = []
    var promptOffset = 0
    var cachedTokens = 0
    var sampler: Sampler
    var history: [Int]
    var generated = 0
    var lastLogits: [Float]?
    /// KV bytes set aside for this job under `--max-memory` while it waits or runs (guarded by the scheduler's lock).
    var reservedBytes = 0

    init(spec: JobSpec, events: AsyncStream<JobEvent>.Continuation) {
        self.spec = spec
        self.events = events
        sampler = Sampler(spec.sampling)
        history = spec.promptTokens
    }

    /// Asks the scheduler to end this job at its next step (a client went away, or a stop string matched).
    public func cancel() {
        lock.lock()
        _cancelled = true
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return _cancelled
    }

    var isPrefilling: Bool { promptOffset < spec.promptTokens.count }

    /// The next prompt tokens to run, at most `limit`.
    func nextPromptChunk(limit: Int) -> [Int] {
        Array(spec.promptTokens[promptOffset..<min(spec.promptTokens.count, promptOffset + limit)])
    }
}
