import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange with the Hub over URLSession, delivered through a delegate so a file's
/// body is written to disk as it arrives (a broken transfer leaves what came, for a resume).
///
/// Redirects are followed for downloads (the Hub sends LFS files to a CDN); the `Range` header
/// goes along, `Authorization` only to the same host. Metadata requests may refuse redirects,
/// to read the Hub's own `X-Linked-Etag`/`X-Linked-Size` headers as huggingface_hub does.
struct HubTransfer {
    /// The answer: the final response, and the body when it was not streamed to a file.
    struct Answer {
        let response: HTTPURLResponse
        let body: Data
    }

    /// Sends `request`; the body is collected in memory.
    static func fetch(_ request: URLRequest, followRedirects: Bool) async throws -> Answer {
        try await run(request, followRedirects: followRedirects, sink: nil)
    }

    /// Sends `request` and hands every chunk of a 200 or 206 body to `sink` as it arrives (other
    /// statuses' bodies are collected), with the response it belongs to.
    static func stream(_ request: URLRequest, sink: @escaping (HTTPURLResponse, Data) throws -> Void) async throws -> Answer {
        try await run(request, followRedirects: true, sink: sink)
    }

    /// A transport error in words (Foundation on Linux describes URL errors by number only).
    static func describe(_ error: Error) -> String {
        guard let error = error as? URLError else { return error.localizedDescription }
        switch error.code {
        case .timedOut: return "timed out after \(Int(requestTimeout)) s without data"
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .networkConnectionLost: return "the connection was lost"
        case .notConnectedToInternet: return "no network"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate: return "TLS failed"
        default: return "URL error \(error.code.rawValue)"
        }
    }

    /// Seconds a request may wait without data before it fails.
    static let requestTimeout: TimeInterval = 60

    private static func run(_ request: URLRequest, followRedirects: Bool, sink: ((HTTPURLResponse, Data) throws -> Void)?) async throws -> Answer {
        let delegate = Delegate(original: request, followRedirects: followRedirects, sink: sink)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1  // callbacks in order, one at a time
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            delegate.continuation = continuation
            session.dataTask(with: request).resume()
        }
    }

    /// Receives the callbacks of one task, on the session's serial queue.
    // @unchecked: every field is touched only from the session's one-at-a-time delegate queue
    // (and `continuation` before the task starts).
    private final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let original: URLRequest
        let followRedirects: Bool
        let sink: ((HTTPURLResponse, Data) throws -> Void)?
        var continuation: CheckedContinuation<Answer, Error>?
        var response: HTTPURLResponse?
        var body = Data()
        var sinkError: Error?

        init(original: URLRequest, followRedirects: Bool, sink: ((HTTPURLResponse, Data) throws -> Void)?) {
            self.original = original
            self.followRedirects = followRedirects
            self.sink = sink
        }

        var streams: Bool { sink != nil && [200, 206].contains(response?.statusCode ?? 0) }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            guard followRedirects else { return completionHandler(nil) }
            var next = request
            next.httpMethod = original.httpMethod
            for (field, value) in original.allHTTPHeaderFields ?? [:] where field.lowercased() != "authorization" {
                next.setValue(value, forHTTPHeaderField: field)
            }
            let sameHost = request.url?.host == original.url?.host && request.url?.port == original.url?.port
            next.setValue(sameHost ? original.value(forHTTPHeaderField: "Authorization") : nil, forHTTPHeaderField: "Authorization")
            completionHandler(next)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            self.response = response as? HTTPURLResponse
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            guard sinkError == nil else { return }
            guard streams, let sink, let response else { return body.append(data) }
            do { try sink(response, data) } catch {
                sinkError = error
                dataTask.cancel()
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            let continuation = self.continuation
            self.continuation = nil
            if let sinkError { return continuation?.resume(throwing: sinkError) ?? () }
            if let error { return continuation?.resume(throwing: error) ?? () }
            guard let response = response ?? (task.response as? HTTPURLResponse) else {
                return continuation?.resume(throwing: URLError(.badServerResponse)) ?? ()
            }
            continuation?.resume(returning: Answer(response: response, body: body))
        }
    }
}
