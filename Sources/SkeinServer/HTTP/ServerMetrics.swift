import Foundation

/// Counters and gauges behind `/metrics`, in Prometheus' text format.
public final class ServerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var requestsByStatus: [String: [Int: Int]] = [:]   // route -> status -> count
    private var generatedTokens = 0
    private var prefilledTokens = 0
    private var cachedTokens = 0
    private var waiting = 0
    private var active = 0
    private var kvBytes = 0
    private var writeTimeouts = 0
    /// (time, tokens) of recent decode steps, for the tokens/s gauge.
    private var recent: [(time: Double, tokens: Int)] = []
    private let started = Date()
    private let window = 10.0

    public init() {}

    func countRequest(route: String, status: Int) {
        lock.withLock { requestsByStatus[route, default: [:]][status, default: 0] += 1 }
    }

    func countGenerated(_ n: Int) {
        let now = Date().timeIntervalSince(started)
        lock.withLock {
            generatedTokens += n
            recent.append((now, n))
            recent.removeFirst(recent.prefix { $0.time < now - window }.count)
        }
    }

    func countWriteTimeout() { lock.withLock { writeTimeouts += 1 } }
    func countPrefilled(_ n: Int) { lock.withLock { prefilledTokens += n } }
    func countCached(_ n: Int) { lock.withLock { cachedTokens += n } }

    func setLoad(waiting: Int, active: Int, kvBytes: Int) {
        lock.withLock {
            self.waiting = waiting
            self.active = active
            self.kvBytes = kvBytes
        }
    }

    /// A line on standard error (the server has no other log).
    func log(_ message: String) {
        FileHandle.standardError.write(Data("skein serve: \(message)\n".utf8))
    }

    /// The exposition text.
    public func render() -> String {
        lock.withLock {
            let now = Date().timeIntervalSince(started)
            let inWindow = recent.filter { $0.time >= now - window }
            let rate = Double(inWindow.reduce(0) { $0 + $1.tokens }) / min(window, max(now, 1e-3))
            var lines = [
                "# HELP skein_requests_total HTTP requests answered, by route and status.",
                "# TYPE skein_requests_total counter",
            ]
            for (route, statuses) in requestsByStatus.sorted(by: { $0.key < $1.key }) {
                for (status, count) in statuses.sorted(by: { $0.key < $1.key }) {
                    lines.append("skein_requests_total{route=\"\(route)\",status=\"\(status)\"} \(count)")
                }
            }
            lines += [
                "# HELP skein_generated_tokens_total Tokens generated.", "# TYPE skein_generated_tokens_total counter",
                "skein_generated_tokens_total \(generatedTokens)",
                "# HELP skein_prefilled_tokens_total Prompt tokens run through the model.", "# TYPE skein_prefilled_tokens_total counter",
                "skein_prefilled_tokens_total \(prefilledTokens)",
                "# HELP skein_cached_prompt_tokens_total Prompt tokens served from the prefix cache or a session.",
                "# TYPE skein_cached_prompt_tokens_total counter", "skein_cached_prompt_tokens_total \(cachedTokens)",
                "# HELP skein_generation_tokens_per_second Generated tokens per second over the last 10 s.",
                "# TYPE skein_generation_tokens_per_second gauge", String(format: "skein_generation_tokens_per_second %.3f", rate),
                "# HELP skein_queue_length Requests waiting for the engine.", "# TYPE skein_queue_length gauge",
                "skein_queue_length \(waiting)",
                "# HELP skein_active_requests Requests being prefilled or decoded.", "# TYPE skein_active_requests gauge",
                "skein_active_requests \(active)",
                "# HELP skein_kv_bytes Bytes of KV cache held (requests, prefix cache, sessions).", "# TYPE skein_kv_bytes gauge",
                "skein_kv_bytes \(kvBytes)",
                "# HELP skein_write_timeouts_total Streams cancelled because the client read nothing for --write-timeout seconds.",
                "# TYPE skein_write_timeouts_total counter", "skein_write_timeouts_total \(writeTimeouts)",
            ]
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
