import ArgumentParser
import Foundation
import SkeinEngine
import SkeinFormats
import SkeinTokenizers
import Testing
@testable import skein

/// The exit status and message of each kind of error, in process.
@Suite struct CommandFailureTests {
    static let cases: [(error: any Error & Sendable, status: Int32)] = [
        (ValidationError("--x: bad"), 64),
        (EngineError.invalidOption(name: "attention", reason: "unknown policy 'x'"), 64),
        (FormatError.malformedJSON(file: "/m/config.json", reason: "x"), 65),
        (FormatError.missingTensor(name: "lm_head.weight", location: "/m"), 65),
        (TokenizerError.invalidField(file: "/m/tokenizer.json", field: "model", reason: "x"), 65),
        (EngineError.tokenOutOfRange(id: 9, vocabularySize: 4), 65),
        (FormatError.fileNotFound(path: "/nonexistent/config.json"), 66),
        (TokenizerError.unreadable(file: "/nonexistent/tokenizer.json", reason: "no such file"), 66),
        (CocoaError(.fileReadNoSuchFile), 66),
        (EngineError.offloadFailed(reason: "disk full"), 70),
        // skein pull: not found 66, a download that does not verify 65, network and access 70.
        (HubError.notFound(what: "repository or revision", name: "org/x", url: "http://h/api/models/org/x/revision/main"), 66),
        (HubError.noMatchingFiles(repository: "org/x", patterns: ["*.gguf"]), 66),
        (HubError.digestMismatch(file: "model.safetensors", expected: "aa", actual: "bb"), 65),
        (HubError.sizeMismatch(file: "config.json", expected: 10, actual: 9), 65),
        (HubError.unauthorized(repository: "org/x", tokenSent: false), 70),
        (HubError.connectionFailed(endpoint: "http://h", reason: "connection refused"), 70),
        (HubError.interrupted(file: "m", received: 1, expected: 2, partial: "/c/m.incomplete", reason: "lost"), 70),
    ]

    @Test(arguments: 0..<cases.count)
    func eachErrorHasItsStatus(index: Int) {
        let (error, status) = Self.cases[index]
        let failure = CommandFailure(error, command: GenerateCommand.self)
        #expect(failure.exitCode.rawValue == status, "\(error)")
        // Usage only for usage errors; every other error is one line.
        #expect(failure.message.contains("Usage: skein generate") == (status == 64), "\(failure.message)")
        if status != 64 { #expect(!failure.message.contains("\n") && failure.message.hasPrefix("Error: ")) }
    }
}
