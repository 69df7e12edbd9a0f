import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The terminal glue of `skein chat`: raw mode while a line is edited, and restoring the saved
/// mode on exit, on errors and on SIGTERM / SIGHUP / SIGQUIT.
final class RawTerminal {
    private var saved = termios()
    private(set) var isRaw = false
    /// Signal sources that restore the terminal before the process ends.
    private var sources: [DispatchSourceSignal] = []

    /// Whether line editing applies: standard input and standard error (where the prompt and the
    /// line are drawn) are both terminals.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1 }

    init() {
        tcgetattr(STDIN_FILENO, &saved)
        for signal in [SIGTERM, SIGHUP, SIGQUIT] {
            Glibc.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
            source.setEventHandler { [weak self] in
                self?.restore()
                // Process-directed (dispatch's threads block signals, so raise() would wait forever):
                // the default action ends the process with the signal's status.
                Glibc.signal(signal, SIG_DFL)
                kill(getpid(), signal)
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { restore() }

    /// Raw mode: bytes arrive one at a time without echo; Ctrl-C arrives as 0x03, not SIGINT.
    func enterRaw() {
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL | BRKINT | INPCK | ISTRIP)
        raw.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        if tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0 { isRaw = true }
    }

    /// The mode the terminal had before (cooked: Ctrl-C is SIGINT again while a reply runs).
    func restore() {
        guard isRaw else { return }
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved)
        isRaw = false
    }
}

/// Ctrl-C while a reply is generated: SIGINT sets a flag that the token callback checks, so the
/// reply stops and the chat goes on (the process is not killed).
final class InterruptFlag: @unchecked Sendable {
    // @unchecked: `raised` is only read and written under `lock`.
    private let lock = NSLock()
    private var raised = false
    private var source: DispatchSourceSignal?

    /// Installs the SIGINT handler (the default action, ending the process, is replaced).
    func install() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.set() }
        source.resume()
        self.source = source
    }

    func set() { lock.withLock { raised = true } }

    /// Whether SIGINT arrived since the last call, clearing the flag.
    func take() -> Bool { lock.withLock { defer { raised = false }; return raised } }

    /// Whether SIGINT arrived (without clearing it).
    var isRaised: Bool { lock.withLock { raised } }
}
