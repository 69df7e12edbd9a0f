import Foundation
import SkeinEngine

/// Runs every request on one engine thread, decoding all active requests together.
///
/// Each step: requests that are waiting join the active set (up to `maxBatch`); cancelled ones
/// end; each active request that has logits samples its next token; then one batched forward
/// pass feeds every sampled token plus one prefill chunk of the oldest request still reading
/// its prompt. Long prompts therefore do not stall the streams already running.
public final class Scheduler: @unchecked Sendable {
    private let configuration: ServerConfiguration
    private let sessions: SessionStore
    private let metrics: ServerMetrics
    private let condition = NSCondition()
    private var waiting: [InferenceJob] = []
    private var active: [InferenceJob] = []   // scheduler thread only
    private var activeCount = 0               // guarded by condition
    private var stopping = false
    /// KV bytes set aside for waiting and active jobs, and held by the prefix cache and idle
    /// sessions at the last step (guarded by condition).
    private var reservedBytes = 0
    private var heldBytes = 0
    private var thread: Thread?
    private let prefixCache: PrefixCache

    public init(configuration: ServerConfiguration, sessions: SessionStore, metrics: ServerMetrics) {
        self.configuration = configuration
        self.sessions = sessions
        self.metrics = metrics
        prefixCache = PrefixCache(capacity: configuration.prefixCacheEntries, minimumTokens: configuration.prefixCacheMinimumTokens)
    }

    /// Starts the engine thread.
    public func start() {
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "skein-engine"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Ends the engine thread after the current step; jobs still running end as cancelled.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Requests waiting or running.
    public var load: (waiting: Int, active: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (waiting.count, activeCount)
    }

    /// Queues a request. - Throws: `APIError` 429 when the queue is full, 503 while shutting down,
    /// 503 `insufficient_memory` when its KV cache at prompt + max_tokens (`MemoryBudget`) would
    /// pass what `--max-memory` leaves (nothing is allocated for it then).
    ///
    /// - Parameter session: the session checked out for this request, which the job returns when it ends.
    public func submit(_ spec: JobSpec, session: SessionStore.Session? = nil) throws -> (InferenceJob, AsyncStream<JobEvent>) {
        let (stream, continuation) = AsyncStream<JobEvent>.makeStream(bufferingPolicy: .unbounded)
        let job = InferenceJob(spec: spec, events: continuation)
        job.session = session
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { throw APIError(.serviceUnavailable, "the server is shutting down", type: "server_error", code: "shutting_down") }
        guard waiting.count + activeCount < configuration.maxQueue else {
            var error = APIError(.tooManyRequests, "the server is busy (\(configuration.maxQueue) requests queued or running); retry later",
                                 type: "rate_limit_error", code: "queue_full")
            error.headers[.retryAfter] = "1"
            throw error
        }
        let needed = MemoryBudget.bytes(of: spec)
        let free = configuration.maxMemory - reservedBytes - heldBytes
        guard needed <= free else {
            let tokens = "\(spec.promptTokens.count) prompt + \(spec.maxTokens) max_tokens tokens"
            let limit = "the server's --max-memory of \(configuration.maxMemory) bytes"
            let message = needed > configuration.maxMemory
                ? "this request needs \(needed) bytes of KV cache (\(tokens)), more than \(limit)"
                : "this request needs \(needed) bytes of KV cache (\(tokens)); \(max(0, free)) bytes of \(limit) are free now"
            var error = APIError(.serviceUnavailable, message, type: "server_error", code: "insufficient_memory")
            if needed <= configuration.maxMemory { error.headers[.retryAfter] = "1" }
            throw error
        }
        job.reservedBytes = needed
        reservedBytes += needed
        waiting.append(job)
        condition.signal()
        return (job, stream)
    }

    // MARK: - The engine thread

    private func loop() {
        while true {
            condition.lock()
            while waiting.isEmpty && active.isEmpty && !stopping { condition.wait() }
            if stopping {
                let all = active + waiting
                waiting.removeAll()
                condition.unlock()
                all.forEach { finish($0, reason: "cancelled") }
                return
            }
            while active.count < configuration.maxBatch, !waiting.isEmpty { active.append(waiting.removeFirst()) }
            activeCount = active.count
            condition.unlock()
            step()
            let held = prefixCache.byteCount + sessions.byteCount
            condition.lock()
            activeCount = active.count
            heldBytes = held
            let waitingCount = waiting.count
            condition.unlock()
            metrics.setLoad(waiting: waitingCount, active: active.count,
                            kvBytes: active.reduce(0) { $0 + ($1.cache?.byteCount ?? 0) } + held)
        }
    }

    /// One scheduler step over the active jobs.
    private func step() {
        for job in active where job.cache == nil { attachCache(job) }
        var done: [(InferenceJob, String)] = []
        var entries: [(InferenceJob, BatchEntry)] = []
        var prefilling = false
        for job in active {
            if job.isCancelled { done.append((job, "cancelled")); continue }
            if job.isPrefilling {
                guard !prefilling else { continue }   // one prefill chunk per step
                prefilling = true
                let chunk = job.nextPromptChunk(limit: configuration.prefillChunk)
                entries.append((job, BatchEntry(tokens: chunk, cache: job.cache!, policy: job.spec.policy)))
                continue
            }
            guard let logits = job.lastLogits else { continue }
            let token = sampleToken(job, logits: logits)
            job.events.yield(.token(token))
            job.generated += 1
            metrics.countGenerated(1)
            if job.spec.stopTokens.contains(token.id) {
                done.append((job, "stop"))
            } else if job.generated >= job.spec.maxTokens {
                done.append((job, "length"))
            } else {
                entries.append((job, BatchEntry(tokens: [token.id], cache: job.cache!, policy: job.spec.policy)))
            }
        }
        for (job, reason) in done { finish(job, reason: reason) }
        run(entries)
    }

    /// Runs the batch, grouped by model (requests with different RoPE settings use different tables).
    private func run(_ entries: [(InferenceJob, BatchEntry)]) {
        var groups: [ObjectIdentifier: [(InferenceJob, BatchEntry)]] = [:]
        for item in entries { groups[ObjectIdentifier(item.0.spec.model), default: []].append(item) }
        for group in groups.values {
            let model = group[0].0.spec.model
            do {
                let logits = try model.forward(batch: group.map(\.1))
                for ((job, entry), rows) in zip(group, logits) {
                    job.covered += entry.tokens
                    if job.isPrefilling {
                        job.promptOffset += entry.tokens.count
                        metrics.countPrefilled(entry.tokens.count)
                        if !job.isPrefilling {
                            prefixCache.store(key: prefixKey(job), tokens: job.covered, cache: job.cache!)
                        }
                    }
                    job.lastLogits = job.isPrefilling ? nil : rows.last
                }
            } catch {
                for (job, _) in group { finish(job, reason: "error", error: "\(error)") }
            }
        }
    }

    /// Gives a job its cache: its session's, a prefix-cache copy, or a fresh one.
    private func attachCache(_ job: InferenceJob) {
        let prompt = job.spec.promptTokens
        let model = job.spec.model
        var reused: (cache: DenseKVCache, covered: Int)?
        if let session = job.session, let cache = session.cache {
            reused = CacheReuse.reuse(tokens: session.tokens, cache: cache, for: prompt, copying: false)
        }
        if reused == nil { reused = prefixCache.lookup(key: prefixKey(job), prompt: prompt) }
        if let reused {
            job.cache = reused.cache
            job.covered = Array(prompt[..<reused.covered])
            job.promptOffset = reused.covered
            job.cachedTokens = reused.covered
        } else {
            job.cache = model.makeCache(for: job.spec.policy, initialCapacity: prompt.count + job.spec.maxTokens)
        }
        metrics.countCached(job.cachedTokens)
    }

    private func prefixKey(_ job: InferenceJob) -> String { "\(job.spec.policy)|\(job.spec.rope)" }

    private func sampleToken(_ job: InferenceJob, logits: [Float]) -> GeneratedToken {
        let id = job.sampler.sample(logits, history: job.history)
        job.history.append(id)
        guard let top = job.spec.topLogprobs else { return GeneratedToken(id: id, logprob: nil, top: []) }
        let logprobs = LogSoftmax.of(logits)
        let best = LogSoftmax.top(top, of: logprobs)
        return GeneratedToken(id: id, logprob: logprobs[id], top: best)
    }

    private func finish(_ job: InferenceJob, reason: String, error: String? = nil) {
        active.removeAll { $0 === job }
        if let id = job.session?.id {
            if error != nil {
                // A failed step leaves the cache in an unknown state: forget it (a saved file is reread).
                sessions.discard(id)
            } else if let failure = sessions.checkin(id, tokens: job.cache == nil ? nil : job.covered, cache: job.cache) {
                metrics.log("session \(id) was not saved: \(failure)")
            }
        }
        job.events.yield(.finished(JobSummary(finishReason: reason, promptTokens: job.spec.promptTokens.count,
                                              completionTokens: job.generated, cachedTokens: job.cachedTokens, error: error)))
        job.events.finish()
        job.cache = nil
        condition.lock()
        reservedBytes -= job.reservedBytes
        job.reservedBytes = 0
        condition.unlock()
    }
}

/// Log-probabilities from logits.
enum LogSoftmax {
    static func of(_ logits: [Float]) -> [Float] {
        let maxValue = logits.max() ?? 0
        let logSum = Float(log(logits.reduce(0.0) { $0 + exp(Double($1 - maxValue)) })) + maxValue
        return logits.map { $0 - logSum }
    }

    /// The `k` most likely ids, best first (ties: lower id first).
    static func top(_ k: Int, of logprobs: [Float]) -> [(id: Int, logprob: Float)] {
        guard k > 0 else { return [] }
        var best: [(id: Int, logprob: Float)] = []   // kept sorted, best first; one pass over the vocabulary
        for (id, value) in logprobs.enumerated() where best.count < k || value > best[best.count - 1].logprob {
            let at = best.firstIndex { value > $0.logprob } ?? best.count
            best.insert((id, value), at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
