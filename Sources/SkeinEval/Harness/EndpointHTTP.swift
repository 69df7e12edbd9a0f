import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why an endpoint call failed, or why its results could not be trusted.
public enum EndpointError: Error, CustomStringConvertible {
    case unreachable(url: String, reason: String)
    case badResponse(url: String, status: Int, body: String)
    /// The endpoint answers without a `"skein"` echo, so it cannot be shown to apply `method`.
    case policyNotApplied(url: String, method: String)
    /// The endpoint echoed another value of `field` than was asked.
    case policyMismatch(url: String, field: String, asked: String, echoed: String)
    /// `/v1/models` does not name exactly one model and `--endpoint-model` was not given.
    case modelNotChosen(url: String, models: [String])

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): return "\(url): cannot reach the endpoint: \(reason)"
        case .badResponse(let url, let status, let body): return "\(url): HTTP \(status): \(body.prefix(200))"
        case .policyNotApplied(let url, let method):
            return "\(url) does not echo the policy it applied (no \"skein\" field in its response), so `\(method)` cannot be "
                + "shown to run there; only --attention full with --rope config and --kv-type f32 may run against it. "
                + "Use the local engine or `skein serve` for other policies"
        case .policyMismatch(let url, let field, let asked, let echoed):
            return "\(url): asked for \(field) '\(asked)' but the endpoint applied '\(echoed)'"
        case .modelNotChosen(let url, let models):
            return models.isEmpty
                ? "\(url) lists no models at /v1/models; name one with --endpoint-model"
                : "\(url) serves \(models.count) models (\(models.joined(separator: ", "))); name one with --endpoint-model"
        }
    }
}

/// One blocking HTTP exchange with JSON bodies.
enum EndpointHTTP {
    /// (status, body) of `request`; transport failures throw `EndpointError.unreachable`.
    static func send(_ request: URLRequest) throws -> (status: Int, body: Data) {
        let url = request.url?.absoluteString ?? "?"
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: (Data?, URLResponse?, Error?) = (nil, nil, nil)
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome = (data, response, error)
            semaphore.signal()
        }.resume()
        semaphore.wait()
        if let error = outcome.2 { throw EndpointError.unreachable(url: url, reason: error.localizedDescription) }
        return ((outcome.1 as? HTTPURLResponse)?.statusCode ?? 0, outcome.0 ?? Data())
    }

    static func request(_ url: URL, apiKey: String?, timeout: TimeInterval, json: [String: Any]? = nil) throws -> URLRequest {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = json == nil ? "GET" : "POST"
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        return request
    }

    /// The JSON object of a 200 response.
    static func object(_ request: URLRequest) throws -> [String: Any] {
        let (status, body) = try send(request)
        guard status == 200, let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw EndpointError.badResponse(url: request.url?.absoluteString ?? "?", status: status, body: String(decoding: body, as: UTF8.self))
        }
        return object
    }
}
