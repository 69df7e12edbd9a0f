import Foundation
import SkeinEngine
import SkeinTokenizers

// Package-level doors into the server's parsers of untrusted bytes, for the fuzz targets and
// their corpus replay (Tests/SkeinFuzzEntryPoints). They run the same code the server runs.

/// Reads a session file's bytes as the session store does when it loads `source` from disk.
/// - Throws: the store's error for a torn, corrupted or mismatched file.
package func decodeSessionArchive(_ data: Data, host: ModelHost, source: String) throws -> SessionStore.Session {
    try SessionArchive.decode(data, host: host, source: source)
}

/// Decodes a request body as `POST /v1/chat/completions` (`chat`) or `/v1/completions` does, then
/// prepares its job (prompt, sampling, stops, session) without running it.
/// - Throws: `APIError` naming the field at fault, as the route answers it.
package func prepareRequest(body: Data, chat: Bool, host: ModelHost, sessions: SessionStore) throws {
    let preparation = JobPreparation(host: host, configuration: ServerConfiguration(), sessions: sessions)
    /// The route's decoding: any failure becomes the 400 the client sees.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: body) } catch { throw APIError.decoding(error) }
    }
    let decoded: (prompt: [Int], conversation: [TemplateValue]?, common: CommonParameters, topLogprobs: Int?)
    if chat {
        let request = try decode(ChatCompletionRequest.self)
        let (messages, prompt) = try preparation.chatPrompt(request.messages)
        decoded = (prompt, messages, request.common, request.logprobs == true ? (request.topLogprobs ?? 0) : nil)
    } else {
        let request = try decode(CompletionRequest.self)
        decoded = (preparation.completionPrompt(request.prompt), nil, request.common, request.logprobs)
    }
    let (_, _, session) = try preparation.prepare(prompt: decoded.prompt, conversation: decoded.conversation, common: decoded.common,
                                                  topLogprobs: decoded.topLogprobs)
    if let id = session?.id { _ = sessions.checkin(id, tokens: nil, cache: nil) }
}
