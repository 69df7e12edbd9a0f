import ArgumentParser
import Foundation
import SkeinAnalysis
import SkeinEngine
import SkeinEval
import SkeinFormats
import SkeinTokenizers

/// An error thrown by a command's `run()`, reported with one rule for every command (sysexits.h):
///
/// - exit 64 (EX_USAGE, ArgumentParser's code for validation errors): the command line is wrong,
///   a `ValidationError` or an option error (`EngineError.invalidOption`, `EvalError.invalidOption`);
///   the message is followed by the usage of the subcommand that ran, as for errors found while parsing;
/// - exit 66 (EX_NOINPUT): a file or folder that is not there (`--model`, `--text`, tokenizer.json;
///   for `skein pull`, a repository, revision or file the Hub does not have);
/// - exit 65 (EX_DATAERR): a file that is there but cannot be used (malformed config.json, a
///   missing or mis-shaped tensor, a bad tokenizer, a text too short, a download that does not verify);
/// - exit 70 (EX_SOFTWARE): anything else (an engine or system failure, a port in use, a network
///   failure or a gated model in `skein pull`);
/// - `CleanExit`, `ExitCode` and ArgumentParser's own errors (help, `skein help generate`) keep
///   ArgumentParser's meaning and output.
///
/// Every status but 64 prints exactly one line, `Error: ...`, naming the file, field or tensor.
struct CommandFailure {
    /// What went wrong, which decides the exit status.
    enum Kind: Equatable {
        case usage, badData, missingFile, other

        /// The sysexits.h status of the kind.
        var exitCode: ExitCode {
            switch self {
            case .usage: .validationFailure  // 64
            case .badData: ExitCode(65)
            case .missingFile: ExitCode(66)
            case .other: ExitCode(70)
            }
        }
    }

    let error: Error
    let command: ParsableCommand.Type

    init(_ error: Error, command: ParsableCommand.Type) {
        self.error = error
        self.command = command
    }

    /// The kind of `error`: typed Skein errors by case, Foundation's file errors by code.
    var kind: Kind {
        func missing(_ path: String) -> Kind { FileManager.default.fileExists(atPath: path) ? .badData : .missingFile }
        switch error {
        case is ValidationError: return .usage
        case let error as RuntimeError: return error.kind == .missingFile ? .missingFile : .badData
        case let error as EngineError:
            switch error {
            case .invalidOption: return .usage
            case .corruptedOffloadBlock, .offloadFailed: return .other
            default: return .badData
            }
        case let error as EvalError:
            switch error {
            case .invalidOption: return .usage
            case .unwritable: return .other
            case .unreadable(let path, _): return missing(path)
            default: return .badData
            }
        case let error as FormatError:
            switch error {
            case .fileNotFound, .modelNotFound: return .missingFile
            case .unreadable(let path, _): return missing(path)
            default: return .badData
            }
        case let error as HubError:
            switch error {
            case .notFound, .noMatchingFiles: return .missingFile
            case .sizeMismatch, .digestMismatch, .malformedResponse: return .badData
            default: return .other  // network, access, the cache folder
            }
        case let error as TokenizerError:
            if case .unreadable(let file, _) = error { return missing(file) }
            return .badData
        case is ChatTemplateError, is AnalysisError, is DecodingError: return .badData
        case let error as CocoaError where [.fileNoSuchFile, .fileReadNoSuchFile].contains(error.code): return .missingFile
        case let error as CocoaError where [.fileReadCorruptFile, .fileReadInapplicableStringEncoding].contains(error.code): return .badData
        default: return .other
        }
    }

    /// True for errors that mean the command line is wrong.
    var isUsageError: Bool { kind == .usage }

    /// The exit status: 64 usage, 65 bad data, 66 missing file, 70 anything else.
    var exitCode: ExitCode { kind.exitCode }

    /// What is printed on standard error.
    var message: String {
        // Skein's typed errors describe themselves (file, field, option); Foundation's are localized.
        let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        // One line: a multi-line description (a wrapped library error) is joined.
        guard isUsageError else { return "Error: " + text.split(whereSeparator: \.isNewline).joined(separator: " ") }
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
