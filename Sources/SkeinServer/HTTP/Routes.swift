import Foundation
import Hummingbird
import NIOCore
import SkeinTokenizers

/// The endpoints: OpenAI's completions, chat completions and models, plus health, metrics and sessions.
struct Routes: Sendable {
    let server: SkeinServer

    private var preparation: JobPreparation {
        JobPreparation(host: server.host, configuration: server.configuration, sessions: server.sessions)
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in try json(["status": "ok"]) }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: server.metrics.render())))
        }
        router.get("/v1/models") { _, _ in
            try json(ModelList(data: [.init(id: server.configuration.modelID, created: Int(Date().timeIntervalSince1970))]))
        }
        router.post("/v1/chat/completions") { request, _ in
            try await watchingInbound(request) { requestBody, watch in
                let body = try await decode(ChatCompletionRequest.self, from: requestBody)
                let (messages, prompt) = try preparation.chatPrompt(body.messages)
                let wantsLogprobs = body.logprobs == true
                return try await run(kind: .chat, prompt: prompt, conversation: messages, common: body.common, namespace: namespace(of: request),
                                     watch: watch, topLogprobs: wantsLogprobs ? (body.topLogprobs ?? 0) : nil)
            }
        }
        router.post("/v1/completions") { request, _ in
            try await watchingInbound(request) { requestBody, watch in
                let body = try await decode(CompletionRequest.self, from: requestBody)
                return try await run(kind: .text, prompt: preparation.completionPrompt(body.prompt), common: body.common,
                                     namespace: namespace(of: request), watch: watch, topLogprobs: body.logprobs)
            }
        }
        registerSessions(on: router)
    }

    private func registerSessions(on router: Router<BasicRequestContext>) {
        struct Create: Decodable { var id: String?; var skein: SkeinExtension? }
        router.post("/v1/sessions") { request, _ in
            let body = try await decode(Create.self, from: request.body)
            let attention = body.skein?.attention ?? server.configuration.defaultAttention
            let rope = body.skein?.rope ?? server.configuration.defaultRope
            let kvType = body.skein?.kvType ?? server.configuration.defaultKVType
            do {
                _ = try server.host.resolve(attention: attention, rope: rope, kvType: kvType)
            } catch {
                throw APIError.badRequest("\(error)", param: "skein", code: "invalid_policy")
            }
            let session = try server.sessions.create(id: body.id, namespace: namespace(of: request), attention: attention, rope: rope, kvType: kvType)
            return try json(SessionInfo(session), status: .created)
        }
        router.get("/v1/sessions") { request, _ in
            try json(["object": AnyEncodable("list"), "data": AnyEncodable(server.sessions.list(namespace: namespace(of: request)))])
        }
        router.get("/v1/sessions/:id") { request, context in
            let id = SessionStore.scoped(context.parameters.get("id") ?? "", in: namespace(of: request))
            let session = try server.sessions.checkout(id)
            server.sessions.checkin(id, tokens: nil, cache: nil)
            return try json(SessionInfo(session))
        }
        router.delete("/v1/sessions/:id") { request, context in
            let name = context.parameters.get("id") ?? ""
            let id = SessionStore.scoped(name, in: namespace(of: request))
            try server.sessions.delete(id)
            return try json(["id": AnyEncodable(name), "object": AnyEncodable("session.deleted"), "deleted": AnyEncodable(true)])
        }
    }

    /// The session namespace of the request's API key ("" without keys; the responder has checked the key).
    private func namespace(of request: Request) -> String {
        server.configuration.apiKeys?.namespace(authorization: request.headers[.authorization]) ?? ""
    }

    /// Runs a completion route with the request's inbound stream watched (Hummingbird's
    /// inbound-close hook), so a whole response can notice a client that hung up: a streaming
    /// response notices when a write fails, but a whole one has nothing to write until the end.
    /// The hook ends the connection after the response, which therefore says `Connection: close`.
    private func watchingInbound(_ request: Request, _ operation: (RequestBody, InboundWatch) async throws -> Response) async throws -> Response {
        let watch = InboundWatch()
        do {
            var response = try await request.body.consumeWithInboundCloseHandler { body in
                try await operation(body, watch)
            } onInboundClosed: {
                watch.close()
            }
            response.headers[.connection] = "close"
            return response
        } catch var error as APIError {
            error.headers[.connection] = "close"
            throw error
        }
    }

    /// Prepares, queues and answers one completion; a whole response's job is cancelled by `watch`.
    private func run(kind: CompletionHandler.Kind, prompt: [Int], conversation: [TemplateValue]? = nil, common: CommonParameters,
                     namespace: String, watch: InboundWatch, topLogprobs: Int?) async throws -> Response {
        let (spec, stops, session) = try preparation.prepare(prompt: prompt, conversation: conversation, common: common, namespace: namespace,
                                                             topLogprobs: topLogprobs)
        let job: InferenceJob, events: AsyncStream<JobEvent>
        do {
            (job, events) = try server.scheduler.submit(spec, session: session)
        } catch {
            if let id = session?.id { server.sessions.checkin(id, tokens: nil, cache: nil) }
            throw error
        }
        let handler = CompletionHandler(kind: kind, host: server.host, modelName: common.model ?? server.configuration.modelID,
                                        stops: stops, includeUsageInStream: common.streamOptions?.includeUsage == true,
                                        writeTimeout: server.configuration.writeTimeout, metrics: server.metrics)
        if common.stream == true { return handler.stream(job: job, events: events) }
        watch.attach(job)
        return try await handler.respond(job: job, events: events)
    }

    /// The body as `T`, read within `--request-timeout` and `--max-body`, and checked for depth
    /// (`JSONDepthCheck`) before it is decoded.
    private func decode<T: Decodable>(_ type: T.Type, from body: RequestBody) async throws -> T {
        let buffer = try await BodyReader(maxBytes: server.configuration.maxBodyBytes, timeout: server.configuration.requestTimeout)
            .read(body)
        try JSONDepthCheck.check(buffer.readableBytesView)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.decoding(error)
        }
    }
}

/// A session as `/v1/sessions` reports it.
struct SessionInfo: Encodable {
    var id: String
    var object = "session"
    var attention: String
    var rope: String
    var tokens: Int

    init(_ session: SessionStore.Session) {
        id = String(session.id.split(separator: "/").last ?? "")  // without the key's namespace
        attention = session.attention
        rope = session.rope
        tokens = session.tokens.count
    }
}

/// Any encodable value, for small ad-hoc JSON objects.
struct AnyEncodable: Encodable {
    let encodeValue: (Encoder) throws -> Void
    init(_ value: some Encodable) { encodeValue = value.encode }
    func encode(to encoder: Encoder) throws { try encodeValue(encoder) }
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(value))))
}
