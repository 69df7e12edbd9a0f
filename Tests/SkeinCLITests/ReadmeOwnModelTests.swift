import Foundation
import SkeinHubTesting
import Testing

/// The README's "Your own model" section, run as written: its shell blocks under bash with the
/// built `skein` first on PATH, its Python block with the official openai client. The model is a
/// small random Qwen2 with the Qwen2.5 chat template (Tests/Fixtures/own-model/qwen2-chat), served
/// under the README's model name by a loopback Hub. The only change made to the text is a free
/// port in place of 8080.
@Suite(.serialized) struct ReadmeOwnModelTests {
    /// The fenced code blocks of the README section headed `heading`, with their languages.
    static func codeBlocks(under heading: String) throws -> [(language: String, code: String)] {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "\n## \(heading)\n"), "README has no section '\(heading)'")
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var blocks: [(String, String)] = []
        var current: (String, [Substring])?
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if let open = current {
                    blocks.append((open.0, open.1.joined(separator: "\n") + "\n"))
                    current = nil
                } else {
                    current = (String(line.dropFirst(3)), [])
                }
            } else if current != nil {
                current!.1.append(line)
            }
        }
        return blocks
    }

    /// Runs `executable arguments` in `folder` off Swift's cooperative threads (the loopback hub
    /// answers on them), with `environment` added.
    static func run(_ executable: String, _ arguments: [String], in folder: URL, environment: [String: String],
                    timeout: TimeInterval = 600) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = [executable] + arguments
                    process.currentDirectoryURL = folder
                    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                    let output = Pipe()
                    process.standardOutput = output
                    process.standardError = output
                    process.standardInput = FileHandle.nullDevice
                    try process.run()
                    final class Box: @unchecked Sendable { var data = Data() }
                    let box = Box()
                    let done = DispatchSemaphore(value: 0)
                    DispatchQueue.global().async { box.data = output.fileHandleForReading.readDataToEndOfFile(); done.signal() }
                    if done.wait(timeout: .now() + timeout) == .timedOut {
                        process.terminate()
                        throw CLITestError("\(executable) \(arguments.joined(separator: " ")) ran longer than \(timeout) s")
                    }
                    process.waitUntilExit()
                    return (process.terminationStatus, String(decoding: box.data, as: UTF8.self))
                })
            }
        }
    }

    /// A port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CLITestError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func theOwnModelSectionRunsAsWritten() async throws {
        let blocks = try Self.codeBlocks(under: "Your own model")
        let shell = blocks.filter { $0.language == "sh" }.map(\.code)
        let python = blocks.filter { $0.language == "python" }.map(\.code)
        try #require(shell.count == 2 && python.count == 1, "expected two sh blocks and one python block, found \(blocks.map(\.language))")
        let name = try #require(shell[0].split(separator: "\n").first { $0.hasPrefix("skein pull ") }?.split(separator: " ").last,
                                "the first block does not start with skein pull")

        let hub = try await LoopbackHub.start()
        hub.serve(try LoopbackHubRepository(name: String(name), folder: HubFixtures.model))
        let work = try temporaryFolder("readme-own-model")
        defer { try? FileManager.default.removeItem(at: work) }
        let binaries = try SkeinRun.executable().deletingLastPathComponent().path
        let environment = ["PATH": binaries + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                           "HF_HOME": work.appendingPathComponent("hf").path, "HF_ENDPOINT": hub.endpoint,
                           "HF_HUB_CACHE": "", "HF_TOKEN": "", "SKEIN_MODELS": ""]

        // Pull, inspect, chat, eval.
        let first = try await Self.run("bash", ["-e", "-o", "pipefail", "-c", shell[0]], in: work, environment: environment)
        #expect(first.status == 0, "the first block failed:\n\(first.output)")
        #expect(hub.requests.contains { $0.contains("/resolve/") }, "nothing was downloaded from the hub")
        #expect(first.output.contains("check               ok"), "inspect did not check the model:\n\(first.output)")
        for file in ["summary.json", "results.jsonl", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("passkey/\(file)").path), "no passkey/\(file)")
        }
        let summary = try String(contentsOf: work.appendingPathComponent("passkey/summary.json"), encoding: .utf8)
        #expect(summary.contains("reattention") && summary.contains("full"), "summary lacks a policy: \(summary.prefix(400))")

        // Serve in the background, then the openai client.
        let port = String(try Self.freePort())
        let serve = shell[1].replacingOccurrences(of: "8080", with: port) + "echo $! > serve.pid\nwait\n"
        let server = Task { try await Self.run("bash", ["-c", serve], in: work, environment: environment) }
        defer {
            if let pid = try? String(contentsOf: work.appendingPathComponent("serve.pid"), encoding: .utf8),
               let number = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(number, SIGTERM) }
        }
        var healthy = false
        for _ in 0..<240 where !healthy {
            try await Task.sleep(nanoseconds: 250_000_000)
            let probe = try await Self.run("python3", ["-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:\(port)/health', timeout=2)"],
                                           in: work, environment: environment, timeout: 10)
            healthy = probe.status == 0
        }
        try #require(healthy, "skein serve did not answer /health on port \(port)")
        let client = try await Self.run("python3", ["-c", python[0].replacingOccurrences(of: "8080", with: port)], in: work,
                                        environment: environment)
        #expect(client.status == 0, "the python block failed (needs `pip install openai`):\n\(client.output)")
        if let pid = try? String(contentsOf: work.appendingPathComponent("serve.pid"), encoding: .utf8),
           let number = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(number, SIGTERM) }
        let served = try await server.value
        #expect(served.output.contains("listening"), "\(served.output)")
        await hub.stop()
    }
}
