import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A `skein serve` process started by a test on a free port, killed when the test is done.
final class ServerProcess {
    let process = Process()
    private(set) var port = 0
    /// The key requests send; tests of several keys change it between requests.
    var apiKey: String

    /// Starts the built `skein` executable with `arguments` after `serve --port 0 --api-key KEY`
    /// (after `serve --port 0` alone when `keyOnCommandLine` is false: the key comes from
    /// `--api-key-file` in `arguments` or from `SKEIN_API_KEY` in `environment`).
    init(arguments: [String], apiKey: String = "test-key", keyOnCommandLine: Bool = true, environment: [String: String] = [:]) throws {
        self.apiKey = apiKey
        process.executableURL = try Self.executable()
        process.arguments = ["serve", "--port", "0"] + (keyOnCommandLine ? ["--api-key", apiKey] : []) + arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line names the port: "skein serve: listening on http://127.0.0.1:PORT (...)".
        let deadline = Date().addingTimeInterval(60)
        var buffer = Data()
        while Date() < deadline, process.isRunning {
            buffer.append(output.fileHandleForReading.availableData)
            if let line = String(data: buffer, encoding: .utf8), let range = line.range(of: #":(\d+) \("#, options: .regularExpression) {
                port = Int(line[range].dropFirst().dropLast(2))!
                return
            }
        }
        process.terminate()
        throw ServerTestError("skein serve did not report its port; output: \(String(decoding: buffer, as: UTF8.self))")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// SIGKILL: no chance to flush or clean up.
    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// POSTs JSON and returns (status, parsed body).
    func post(_ path: String, _ body: [String: Any]) throws -> (Int, [String: Any]) {
        try request(path, method: "POST", body: try JSONSerialization.data(withJSONObject: body))
    }

    func request(_ path: String, method: String, body: Data?) throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: baseURL + path)!, timeoutInterval: 120)
        request.httpMethod = method
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        let (data, status) = try Self.send(request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? ["raw": String(decoding: data, as: UTF8.self)]
        return (status, json)
    }

    /// A raw response body (for SSE streams).
    func postRaw(_ path: String, _ body: [String: Any]) throws -> (Int, String) {
        var request = URLRequest(url: URL(string: baseURL + path)!, timeoutInterval: 120)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        let (data, status) = try Self.send(request)
        return (status, String(decoding: data, as: UTF8.self))
    }

    private static func send(_ request: URLRequest) throws -> (Data, Int) {
        final class Box: @unchecked Sendable { var data = Data(); var status = 0; var error: Error? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.data = data ?? Data()
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error { throw error }
        return (box.data, box.status)
    }

    /// `skein` next to the test bundle (SwiftPM builds every product before testing).
    static func executable() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("skein")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        let bundle = Bundle.allBundles.map(\.bundleURL).first { $0.pathExtension == "xctest" }
        if let candidate = bundle?.deletingLastPathComponent().appendingPathComponent("skein"),
           FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw ServerTestError("the skein executable was not found next to the tests; build it with `swift build -c release`")
    }
}

struct ServerTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The repository root (for Tests/ServerClient).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary folder.
func temporaryFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
