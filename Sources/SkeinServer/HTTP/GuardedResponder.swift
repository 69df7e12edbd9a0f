import Foundation
import Hummingbird

/// Wraps the router: checks the API key, answers every error in OpenAI's JSON shape (unknown
/// routes and oversized bodies included), and counts requests by route and status.
struct GuardedResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    let inner: Inner
    let apiKeys: APIKeys?
    let metrics: ServerMetrics
    static var knownRoutes: Set<String> { ["/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions", "/v1/sessions"] }

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        let route = Self.knownRoutes.contains(path) ? path : (path.hasPrefix("/v1/sessions/") ? "/v1/sessions/{id}" : "other")
        var response: Response
        do {
            try authorize(request)
            response = try await inner.respond(to: request, context: context)
            if response.status == .notFound, response.headers[.contentType] == nil {
                response = Self.translate(HTTPError(.notFound)).jsonResponse()   // the router's bare "no route"
            }
        } catch let error as APIError {
            response = error.jsonResponse()
        } catch let error as HTTPError {
            response = Self.translate(error).jsonResponse()
        } catch {
            response = APIError(.internalServerError, "internal error: \(error)", type: "server_error").jsonResponse()
        }
        metrics.countRequest(route: route, status: Int(response.status.code))
        return response
    }

    private func authorize(_ request: Request) throws {
        guard let apiKeys, request.uri.path != "/health" else { return }
        let given = request.headers[.authorization]
        guard apiKeys.namespace(authorization: given) != nil else {
            var error = APIError(.unauthorized, given == nil ? "missing API key: send 'Authorization: Bearer <key>'" : "incorrect API key",
                                 type: "invalid_request_error", code: "invalid_api_key")
            error.headers[.wwwAuthenticate] = "Bearer"
            throw error
        }
    }

    /// Hummingbird's own errors (no route, body too large, wrong method) in OpenAI's shape.
    static func translate(_ error: HTTPError) -> APIError {
        switch error.status {
        case .notFound: APIError(.notFound, "no such route", code: "not_found")
        case .contentTooLarge: APIError(.contentTooLarge, "the request body is too large", code: "body_too_large")
        case .methodNotAllowed: APIError(.methodNotAllowed, "method not allowed on this route", code: "method_not_allowed")
        default: APIError(error.status, error.body ?? error.status.reasonPhrase)
        }
    }
}
