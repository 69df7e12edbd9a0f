import Foundation

/// A running `skein chat` whose standard input is written line by line and whose output is read
/// as it arrives, to check what it printed before the next line is sent.
final class ChatProcess: @unchecked Sendable {
    // @unchecked: the buffers are only touched under `lock`.
    let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var out = Data(), err = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = try SkeinRun.executable()
        process.arguments = ["chat"] + arguments
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = input
        process.standardOutput = outPipe
        process.standardError = errPipe
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.withLock { if isOut { self.out.append(data) } else { self.err.append(data) } }
            }
        }
        try process.run()
    }

    var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    /// Waits until `condition` holds on (stdout, stderr), at most `timeout` seconds.
    func wait(_ what: String, timeout: TimeInterval = 120, until condition: (String, String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(stdout, stderr) {
            guard Date() < deadline, process.isRunning || condition(stdout, stderr) else {
                throw CLITestError("skein chat: timed out waiting for \(what)\nstdout: \(stdout)\nstderr: \(stderr)")
            }
            usleep(20_000)
        }
    }

    /// Closes standard input and waits for the exit status.
    func finish(timeout: TimeInterval = 120) throws -> Int32 {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                process.terminate()
                throw CLITestError("skein chat did not exit\nstdout: \(stdout)\nstderr: \(stderr)")
            }
            usleep(20_000)
        }
        usleep(100_000)  // the last output
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}
