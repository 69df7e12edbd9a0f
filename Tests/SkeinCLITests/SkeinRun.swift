import Foundation
import Testing

/// One run of the built `skein` executable: its exit status, standard output and standard error.
struct SkeinRun {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs `skein arguments...` (with `input` on standard input, and `environment` added to the
    /// test's own) and waits for it, at most `timeout` seconds.
    init(_ arguments: [String], input: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 300) throws {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes on their own threads so a full pipe never blocks the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box(), errBox = Box()
        let group = DispatchGroup()
        for (pipe, box) in [(out, outBox), (err, errBox)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw CLITestError("skein \(arguments.joined(separator: " ")) ran longer than \(timeout) s")
        }
        process.waitUntilExit()
        status = process.terminationStatus
        stdout = String(decoding: outBox.data, as: UTF8.self)
        stderr = String(decoding: errBox.data, as: UTF8.self)
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
        throw CLITestError("the skein executable was not found next to the tests; build it with `swift build -c release`")
    }
}

struct CLITestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The repository root (README.md, the demo model's sources).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary folder.
func temporaryFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("skein-cli-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
