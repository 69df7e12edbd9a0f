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
