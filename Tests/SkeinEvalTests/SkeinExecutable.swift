import Foundation

/// The built `skein` executable, run by tests in a child process.
enum SkeinExecutable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// `skein` next to the test bundle (SwiftPM builds every product before testing).
    static func url() throws -> URL {
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
        throw Failure(description: "the skein executable was not found next to the tests; build it with `swift build -c release`")
    }

    /// Runs `skein arguments...` in `directory` with `environment` added; returns (exit status, stdout, stderr).
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws
        -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for key in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        nonisolated(unsafe) var errors = Data()
        let readErrors = DispatchSemaphore(value: 0)
        Thread { errors = err.fileHandleForReading.readDataToEndOfFile(); readErrors.signal() }.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        readErrors.wait()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
}
