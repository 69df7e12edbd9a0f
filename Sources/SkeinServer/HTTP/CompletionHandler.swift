import Foundation
import Hummingbird
import NIOCore
import SkeinEngine

/// Runs one prepared job and answers it as a chat or text completion, whole or as SSE.
struct CompletionHandler: Sendable {
    enum Kind: Sendable { case chat, text }

    let kind: Kind
    let host: ModelHost
    let modelName: String
    let includeUsageInStream: Bool
    let stops: [String]
    let created = Int(Date().timeIntervalSince1970)
    let id: String
    /// Seconds a streamed write may wait for the client (`--write-timeout`).
    let writeTimeout: Double
    /// Where write timeouts are counted and logged.
    let metrics: ServerMetrics?

    init(kind: Kind, host: ModelHost, modelName: String, stops: [String], includeUsageInStream: Bool,
         writeTimeout: Double = 30, metrics: ServerMetrics? = nil) {
        self.kind = kind
        self.writeTimeout = writeTimeout
        self.metrics = metrics
        self.host = host
        self.modelName = modelName
        self.stops = stops
        self.includeUsageInStream = includeUsageInStream
        id = (kind == .chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24)
    }

    // MARK: - Whole responses

    func respond(job: InferenceJob, events: AsyncStream<JobEvent>) async throws -> Response {
        var assembler = TextAssembler(tokenizer: host.tokenizer.tokenizer, stops: stops)
        var text = ""
        var tokens: [GeneratedToken] = []
        var summary: JobSummary?
        await withTaskCancellationHandler {
            for await event in events {
                switch event {
                case .token(let token):
                    if !assembler.stopped { tokens.append(token) }
                    text += assembler.append(token.id)
                    if assembler.stopped { job.cancel() }
                case .finished(let s):
                    summary = s
                }
            }
        } onCancel: { job.cancel() }
        guard let summary else { throw APIError(.internalServerError, "the request ended without a result", type: "server_error") }
        if let error = summary.error { throw APIError(.internalServerError, "the engine failed: \(error)", type: "server_error") }
        text += assembler.finish()
        let reason = finishReason(summary, stopped: assembler.stopped)
        let usage = Usage(prompt: summary.promptTokens, completion: summary.completionTokens, cached: summary.cachedTokens)
        let info = skeinInfo(job, summary)
        switch kind {
        case .chat:
            let choice = ChatCompletionResponse.Choice(
                message: .init(role: "assistant", content: text),
                logprobs: job.spec.topLogprobs == nil ? nil : ChatLogprobs(content: tokens.map(chatLogprob)),
                finishReason: reason)
            return try json(ChatCompletionResponse(id: id, object: "chat.completion", created: created, model: modelName,
                                                   choices: [choice], usage: usage, skein: info))
        case .text:
            let choice = CompletionResponse.Choice(text: text, logprobs: job.spec.topLogprobs == nil ? nil : completionLogprobs(tokens),
                                                   finishReason: reason)
            return try json(CompletionResponse(id: id, created: created, model: modelName, choices: [choice], usage: usage, skein: info))
        }
    }

    // MARK: - Server-sent events

    /// The job's tokens as server-sent events; each write waits at most `writeTimeout` for the
    /// client (`TimedWriter`), after which the job is cancelled and the connection closed.
    func stream(job: InferenceJob, events: AsyncStream<JobEvent>) -> Response {
        let handler = self
        let timed = TimedWriter(seconds: writeTimeout)
        let body = ResponseBody { writer in
            var assembler = TextAssembler(tokenizer: handler.host.tokenizer.tokenizer, stops: handler.stops)
            do {
                if handler.kind == .chat { try await timed.write(handler.chunk(delta: .init(role: "assistant", content: "")), to: &writer) }
                for await event in events {
                    switch event {
                    case .token(let token):
                        guard !assembler.stopped else { continue }
                        let piece = assembler.append(token.id)
                        if assembler.stopped { job.cancel() }
                        let logprobs = job.spec.topLogprobs == nil ? nil : token
                        if !piece.isEmpty || logprobs != nil { try await timed.write(handler.chunk(text: piece, token: logprobs), to: &writer) }
                    case .finished(let summary):
                        if let error = summary.error {
                            let body = APIError(.internalServerError, "the engine failed: \(error)", type: "server_error").jsonBody()
                            try await timed.write(ByteBuffer(string: "data: \(String(decoding: body, as: UTF8.self))\n\n"), to: &writer)
                        } else {
                            let tail = assembler.finish()
                            if !tail.isEmpty { try await timed.write(handler.chunk(text: tail, token: nil), to: &writer) }
                            try await timed.write(handler.chunk(finish: handler.finishReason(summary, stopped: assembler.stopped)), to: &writer)
                            if handler.includeUsageInStream { try await timed.write(handler.usageChunk(summary, job: job), to: &writer) }
                        }
                    }
                }
                try await timed.write(ByteBuffer(string: "data: [DONE]\n\n"), to: &writer)
                try await timed.finish(&writer)
            } catch {
                job.cancel()   // the client went away, or stopped reading: stop generating for it
                if let timeout = error as? TimedWriter.TimedOut {
                    handler.metrics?.countWriteTimeout()
                    handler.metrics?.log("\(handler.id): \(timeout)")
                }
                throw error
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: body)
    }

    private func chunk(delta: ChatCompletionResponse.Message) throws -> ByteBuffer {
        try event(ChatCompletionResponse(id: id, object: "chat.completion.chunk", created: created, model: modelName,
                                         choices: [.init(delta: delta)]))
    }

    private func chunk(text: String, token: GeneratedToken?) throws -> ByteBuffer {
        switch kind {
        case .chat:
            try event(ChatCompletionResponse(
                id: id, object: "chat.completion.chunk", created: created, model: modelName,
                choices: [.init(delta: .init(content: text), logprobs: token.map { ChatLogprobs(content: [chatLogprob($0)]) })]))
        case .text:
            try event(CompletionResponse(id: id, created: created, model: modelName,
                                         choices: [.init(text: text, logprobs: token.map { completionLogprobs([$0]) })]))
        }
    }

    private func chunk(finish reason: String) throws -> ByteBuffer {
        switch kind {
        case .chat:
            try event(ChatCompletionResponse(id: id, object: "chat.completion.chunk", created: created, model: modelName,
                                             choices: [.init(delta: .init(), finishReason: reason)]))
        case .text:
            try event(CompletionResponse(id: id, created: created, model: modelName, choices: [.init(text: "", finishReason: reason)]))
        }
    }

    private func usageChunk(_ summary: JobSummary, job: InferenceJob) throws -> ByteBuffer {
        let usage = Usage(prompt: summary.promptTokens, completion: summary.completionTokens, cached: summary.cachedTokens)
        switch kind {
        case .chat:
            return try event(ChatCompletionResponse(id: id, object: "chat.completion.chunk", created: created, model: modelName,
                                                    choices: [], usage: usage, skein: skeinInfo(job, summary)))
        case .text:
            return try event(CompletionResponse(id: id, created: created, model: modelName, choices: [], usage: usage,
                                                skein: skeinInfo(job, summary)))
        }
    }

    // MARK: - Pieces

    private func finishReason(_ summary: JobSummary, stopped: Bool) -> String {
        stopped ? "stop" : summary.finishReason
    }

    /// What ran, as requested: the request's spelling, except that plain "full" on a sliding-window
    /// checkpoint runs (and is echoed as) the checkpoint's window, so a client never mistakes it for
    /// full, and a policy sized for the input is echoed with the keys it was given.
    private func skeinInfo(_ job: InferenceJob, _ summary: JobSummary) -> SkeinInfo {
        let spec = job.spec
        let rewritten = spec.sized || (spec.attention == "full" && !(spec.policy.base is FullAttention))
        return SkeinInfo(attention: rewritten ? spec.policy.base.description : spec.attention, rope: spec.rope, kvType: spec.kvType,
                         session: spec.session, cachedTokens: summary.cachedTokens, trimmedTurns: spec.trimmed?.turns,
                         trimmedMessages: spec.trimmed?.messages, notice: spec.notice)
    }

    private func tokenText(_ id: Int) -> String { (try? host.tokenizer.decode([id])) ?? "" }

    private func chatLogprob(_ token: GeneratedToken) -> TokenLogprob {
        TokenLogprob(token: tokenText(token.id), logprob: token.logprob ?? 0, bytes: Array(tokenText(token.id).utf8),
                     topLogprobs: token.top.map { TokenLogprob(token: tokenText($0.id), logprob: $0.logprob, bytes: Array(tokenText($0.id).utf8)) })
    }

    private func completionLogprobs(_ tokens: [GeneratedToken]) -> CompletionLogprobs {
        var result = CompletionLogprobs()
        var offset = 0
        for token in tokens {
            let text = tokenText(token.id)
            result.tokens.append(text)
            result.tokenLogprobs.append(token.logprob ?? 0)
            result.topLogprobs.append(Dictionary(token.top.map { (tokenText($0.id), $0.logprob) }, uniquingKeysWith: max))
            result.textOffset.append(offset)
            offset += text.count
        }
        return result
    }

    private func event(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(string: "data: " + String(decoding: try JSONEncoder().encode(value), as: UTF8.self) + "\n\n")
    }
}
