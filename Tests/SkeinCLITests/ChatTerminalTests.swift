import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `skein chat` on a pseudo-terminal: raw-mode line editing end to end, and the terminal's mode
/// restored when it leaves.
@Suite struct ChatTerminalTests {
    /// A pseudo-terminal pair: the master the test writes keys to, the slave the chat runs on.
    /// (posix_openpt and friends are looked up at run time: Glibc's Swift module leaves them out.)
    static func openTerminal() throws -> (master: Int32, slave: Int32) {
        typealias IntCall = @convention(c) (Int32) -> Int32
        typealias NameCall = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        let handle = dlopen(nil, RTLD_NOW)
        guard let openpt = dlsym(handle, "posix_openpt"), let grant = dlsym(handle, "grantpt"),
              let unlock = dlsym(handle, "unlockpt"), let name = dlsym(handle, "ptsname") else {
            throw CLITestError("no posix_openpt in libc")
        }
        let master = unsafeBitCast(openpt, to: IntCall.self)(O_RDWR | O_NOCTTY)
        guard master >= 0, unsafeBitCast(grant, to: IntCall.self)(master) == 0, unsafeBitCast(unlock, to: IntCall.self)(master) == 0,
              let path = unsafeBitCast(name, to: NameCall.self)(master) else {
            throw CLITestError("no pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slave = open(path, O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw CLITestError("cannot open \(String(cString: path))") }
        return (master, slave)
    }

    @Test func editedLinesAreSentAndTheTerminalIsRestored() throws {
        let folder = try temporaryFolder("chat-tty")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tty.chat").path
        let (master, slave) = try Self.openTerminal()
        defer { close(master); close(slave) }
        let process = Process()
        process.executableURL = try SkeinRun.executable()
        process.arguments = ["chat", "--max-tokens", "4"]
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        final class Box: @unchecked Sendable { var data = Data(); let lock = NSLock() }
        let screen = Box()
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { return }
                screen.lock.withLock { screen.data.append(contentsOf: buffer[0..<n]) }
            }
        }
        reader.start()
        try process.run()
        func text() -> String { screen.lock.withLock { String(decoding: screen.data, as: UTF8.self) } }
        func wait(for needle: String) throws {
            let deadline = Date().addingTimeInterval(60)
            while !text().contains(needle) {
                guard Date() < deadline else { throw CLITestError("no \(needle.debugDescription) on the terminal: \(text().debugDescription)") }
                usleep(20_000)
            }
        }
        func type(_ keys: String) { _ = keys.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) } }
        try wait(for: "> ")
        // "abc", Left Left, "X", End, "!" -> "aXbc!"; Ctrl-C clears it; then "wörld", Home, "hello ".
        type("abc\u{1B}[D\u{1B}[DX\u{1B}[F!")
        try wait(for: "aXbc!")
        type("\u{03}")
        try wait(for: "^C")
        type("wörld\u{1B}[Hhello \r")
        try wait(for: "hello wörld")
        // The reply ended and the prompt is back (the first prompt after ^C is the other).
        let deadline = Date().addingTimeInterval(60)
        func prompts() -> Int {
            let bytes = screen.lock.withLock { [UInt8](screen.data) }, pattern = Array("\n\r> ".utf8)
            return bytes.indices.filter { bytes[$0...].starts(with: pattern) }.count
        }
        while prompts() < 2 {
            guard Date() < deadline else { throw CLITestError("no prompt after the reply: \(text().debugDescription)") }
            usleep(20_000)
        }
        type("\u{1B}[A\u{15}/save \(file)\r")  // Up recalls the line; Ctrl-U clears it
        try wait(for: "[saved")
        type("\u{04}")  // Ctrl-D on an empty line leaves
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        var mode = termios()
        tcgetattr(slave, &mode)
        #expect(mode.c_lflag & tcflag_t(ICANON) != 0, "canonical mode restored")
        #expect(mode.c_lflag & tcflag_t(ECHO) != 0, "echo restored")
        let saved = try String(decoding: Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
        #expect(saved.contains(#""content":"hello wörld""#), "the edited line was the message")
        #expect(!saved.contains("aXbc"), "the line cleared by Ctrl-C was not sent")
    }
}
