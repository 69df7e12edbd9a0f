import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request as a loopback test server saw it.
struct LoopbackRequest {
    var method: String
    var path: String
    var headers: [String: String]
    var body: Data
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
}

/// A one-thread HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for tests: each connection
/// carries one request, answered by `handler` with (status, JSON body), then closed.
final class LoopbackHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let socketFD: Int32
    private let handler: (LoopbackRequest) -> (Int, Data)
    private var requests: [LoopbackRequest] = []
    private var stopped = false
    private let lock = NSLock()

    init(handler: @escaping (LoopbackRequest) -> (Int, Data)) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        socketFD = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in serve() }.start()
    }

    deinit { stop() }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Every request so far, in arrival order.
    var recorded: [LoopbackRequest] { lock.lock(); defer { lock.unlock() }; return requests }

    /// Stops accepting: the serving thread's accept fails and it returns.
    func stop() {
        lock.lock(); defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }

    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 { return }
            if let request = Self.read(client) {
                lock.lock(); requests.append(request); lock.unlock()
                let (status, reply) = handler(request)
                let head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(reply.count)\r\nConnection: close\r\n\r\n"
                let response = Data(head.utf8) + reply
                _ = response.withUnsafeBytes { write(client, $0.baseAddress, response.count) }
            }
            close(client)
        }
    }

    /// Reads the request line, headers and Content-Length bytes of body (until EOF at most).
    private static func read(_ client: Int32) -> LoopbackRequest? {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(client, &buffer, buffer.count)
            if n <= 0 { return nil }
            data.append(contentsOf: buffer[0..<n])
            guard let headerEnd = data.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let lines = String(decoding: data[..<headerEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            var headers = [String: String]()
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            guard data.count - headerEnd.upperBound >= length else { continue }
            let parts = lines[0].split(separator: " ")
            return LoopbackRequest(method: parts.first.map(String.init) ?? "", path: parts.count > 1 ? String(parts[1]) : "",
                                   headers: headers, body: Data(data[headerEnd.upperBound..<headerEnd.upperBound + length]))
        }
    }

    /// A JSON body.
    static func json(_ object: [String: Any]) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    /// A recording proxy: forwards every request to `upstream` and returns its answer unchanged.
    static func proxy(to upstream: URL) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in
            var forward = URLRequest(url: URL(string: upstream.absoluteString + request.path)!, timeoutInterval: 120)
            forward.httpMethod = request.method
            if !request.body.isEmpty { forward.httpBody = request.body }
            for (name, value) in request.headers where ["content-type", "authorization"].contains(name) {
                forward.setValue(value, forHTTPHeaderField: name)
            }
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var answer: (Int, Data) = (502, json(["error": "upstream did not answer"]))
            URLSession.shared.dataTask(with: forward) { data, response, _ in
                if let response = response as? HTTPURLResponse { answer = (response.statusCode, data ?? Data()) }
                done.signal()
            }.resume()
            _ = done.wait(timeout: .now() + 120)
            return answer
        }
    }
}
