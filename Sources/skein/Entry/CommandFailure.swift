import ArgumentParser
import Foundation
import SkeinEngine

/// An error thrown by a command's `run()`, reported with one rule for every command:
///
/// - exit 64 (EX_USAGE, ArgumentParser's code for validation errors): the command line is wrong,
///   a `ValidationError` or an engine option error (`EngineError.invalidOption`); the message is
///   followed by the usage of the subcommand that ran, as for errors found while parsing;
/// - exit 1: the command line was fine but the work failed (an unreadable or corrupt model, an
///   engine failure, a port in use);
/// - `CleanExit`, `ExitCode` and ArgumentParser's own errors (help, `skein help generate`) keep
///   ArgumentParser's meaning and output.
struct CommandFailure {
    let error: Error
    let command: ParsableCommand.Type

    init(_ error: Error, command: ParsableCommand.Type) {
        self.error = error
        self.command = command
    }

    /// True for errors that mean the command line is wrong.
    var isUsageError: Bool {
        if error is ValidationError { return true }
        if case .invalidOption? = error as? EngineError { return true }
        return false
    }

    /// The exit status: `ExitCode.validationFailure` (64) for usage errors, else `ExitCode.failure` (1).
    var exitCode: ExitCode { isUsageError ? .validationFailure : .failure }

    /// What is printed on standard error.
    var message: String {
        // Skein's typed errors describe themselves (file, field, option); Foundation's are localized.
        let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        guard isUsageError else { return "Error: \(text)" }
        // A hidden command (`analyze`'s catch-all for unknown kinds) shows its parent's usage.
        let chain = Self.commandChain(to: command)
        let shown = chain.last { $0.configuration.shouldDisplay } ?? command
        let path = chain.prefix { $0 != shown }.map(Self.name) + [Self.name(shown)]
        return "Error: \(text)\nUsage: \(Skein.usageString(for: shown))\n  See '\(path.joined(separator: " ")) --help' for more information."
    }

    /// True for errors ArgumentParser reports itself: help requests and its internal command errors.
    var isArgumentParserError: Bool {
        if error is ValidationError { return false }  // reported here, with the subcommand's usage
        return error is CleanExit || error is ExitCode || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }

    func exit() -> Never {
        if isArgumentParserError { Skein.exit(withError: error) }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        Skein.exit(withError: exitCode)
    }

    /// The commands from `skein` down to `target` (Skein, EvalCommand, EvalRunCommand).
    static func commandChain(to target: ParsableCommand.Type, from root: ParsableCommand.Type = Skein.self) -> [ParsableCommand.Type] {
        func search(_ node: ParsableCommand.Type, _ path: [ParsableCommand.Type]) -> [ParsableCommand.Type]? {
            let here = path + [node]
            if node == target { return here }
            for child in node.configuration.subcommands {
                if let found = search(child, here) { return found }
            }
            return nil
        }
        return search(root, []) ?? [root]
    }

    static func name(_ command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }
}
