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

    /// The body: `{"error": {"message", "type", "param", "code"}}`, with `param` and `code`
    /// written as null when they do not apply (every key is always there, as OpenAI's are).
    public func jsonBody() -> Data {
        struct Inner: Encodable {
            var message: String, type: String, param: String?, code: String?
            enum CodingKeys: String, CodingKey { case message, type, param, code }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(message, forKey: .message)
                try c.encode(type, forKey: .type)
                try c.encode(param, forKey: .param)  // encode, not encodeIfPresent: null when absent
                try c.encode(code, forKey: .code)
            }
        }
        struct Body: Encodable { var error: Inner }
        return (try? JSONEncoder().encode(Body(error: .init(message: message, type: type, param: param, code: code)))) ?? Data()
    }

    static func badRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(.badRequest, message, param: param, code: code)
    }

    /// A 400 for a field or value the server does not implement (yet).
    static func unsupported(_ message: String, param: String?) -> APIError {
        APIError(.badRequest, message, param: param, code: "unsupported")
    }

    /// A decoding failure in plain words naming the field ("messages: expected an array"); an
    /// `APIError` thrown while decoding passes through unchanged.
    static func decoding(_ error: Error) -> APIError {
        if let error = error as? APIError { return error }
        guard let error = error as? DecodingError else { return badRequest("the body is not valid JSON", code: "invalid_json") }
        switch error {
        case .typeMismatch(let type, let context):
            let field = RequestKeys.path(context.codingPath)
            if field.isEmpty { return badRequest("the body must be a JSON object", code: "invalid_json") }
            return badRequest("\(field): expected \(kind(of: type))", param: field)
        case .valueNotFound(let type, let context):
            let field = RequestKeys.path(context.codingPath)
            return badRequest("\(field): expected \(kind(of: type)), not null", param: field)
        case .keyNotFound(let key, let context):
            let field = RequestKeys.path(context.codingPath + [key])
            return badRequest("missing required field '\(field)'", param: field)
        case .dataCorrupted(let context):
            let field = RequestKeys.path(context.codingPath)
            if field.isEmpty { return badRequest("the body is not valid JSON", code: "invalid_json") }
            let reason = context.debugDescription.contains("does not fit") ? "the number is out of range" : "invalid value"
            return badRequest("\(field): \(reason)", param: field)
        @unknown default:
            return badRequest("the body could not be read")
        }
    }

    /// A JSON kind for a Swift type: "an array", "an object", "a string", "an integer", "a number", "true or false".
    static func kind(of type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        switch name {
        case "String", "Substring": return "a string"
        case "Int", "Int32", "Int64", "UInt", "UInt32", "UInt64": return "an integer"
        case "Double", "Float": return "a number"
        case "Bool": return "true or false"
        default: return "an object"
        }
    }
}
