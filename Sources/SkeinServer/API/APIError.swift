import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Extra headers, e.g. `Retry-After` on 429 or `WWW-Authenticate` on 401.
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { "\(status.code) \(code ?? type): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse()
    }

    /// The error as a JSON response.
    public func jsonResponse() -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(data: jsonBody())))
    }

    /// The body: `{"error": {...}}`.
    public func jsonBody() -> Data {
        struct Body: Encodable {
            struct Inner: Encodable { var message: String; var type: String; var param: String?; var code: String? }
            var error: Inner
        }
        return (try? JSONEncoder().encode(Body(error: .init(message: message, type: type, param: param, code: code)))) ?? Data()
    }

    static func badRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(.badRequest, message, param: param, code: code)
    }

    /// A `DecodingError` spelled with the path of the field at fault.
    static func decoding(_ error: Error) -> APIError {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        guard let error = error as? DecodingError else { return badRequest("malformed JSON body: \(error)") }
        switch error {
        case .typeMismatch(let type, let context):
            return badRequest("'\(path(context.codingPath))' has the wrong type (expected \(type))", param: path(context.codingPath))
        case .valueNotFound(_, let context):
            return badRequest("'\(path(context.codingPath))' must not be null", param: path(context.codingPath))
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return badRequest("missing required field '\(field)'", param: field)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return badRequest("the body is not valid JSON", code: "invalid_json") }
            return badRequest("'\(path(context.codingPath))': \(context.debugDescription)", param: path(context.codingPath))
        @unknown default:
            return badRequest("malformed JSON body")
        }
    }
}
