import ArgumentParser
import Foundation
import SkeinEngine
import Testing
@testable import skein

/// Negative numbers, usage messages, exit codes, --version and --threads.
@Suite struct ArgumentTests {
    /// The message ArgumentParser would print for `arguments`, after Skein's pre-parse; nil when they parse.
    func parseError(_ arguments: [String]) -> String? {
        do {
            _ = try Skein.parseAsRoot(NegativeNumberArguments.join(arguments))
            return nil
        } catch {
            return Skein.message(for: error)
        }
    }

    @Test func negativeNumbersAreJoinedToTheOptionBeforeThem() {
        #expect(NegativeNumberArguments.join(["generate", "--temperature", "-1", "--top-k", "-5"])
                == ["generate", "--temperature=-1", "--top-k=-5"])
        #expect(NegativeNumberArguments.join(["bench", "-d", "-5", "-p", "-0.5"]) == ["bench", "-d=-5", "-p=-0.5"])
        #expect(NegativeNumberArguments.join(["--prompt-tokens", "-1,2", "--seed", "-.5"]) == ["--prompt-tokens=-1,2", "--seed=-.5"])
        // Not numbers, values already attached, and everything after `--` stay as they are.
        #expect(NegativeNumberArguments.join(["--chat", "--json", "--x=-1", "-v", "--", "--a", "-1"])
                == ["--chat", "--json", "--x=-1", "-v", "--", "--a", "-1"])
        #expect(NegativeNumberArguments.join(["--attention", "-x"]) == ["--attention", "-x"])
    }

    /// Each of these said "Missing value" before; now the option's own check answers.
    @Test(arguments: [
        (["generate", "--prompt", "x", "--temperature", "-1"], "temperature: must be >= 0"),
        (["generate", "--prompt", "x", "--top-k", "-5"], "top-k: must be >= 1"),
        (["generate", "--prompt", "x", "--seed", "-1"], "'-1' is invalid for '--seed"),
        (["generate", "--prompt", "x", "--max-tokens", "-3"], "--max-tokens must be >= 0"),
        (["chat", "--temperature", "-0.5"], "temperature: must be >= 0"),
        (["bench", "-p", "-5"], "-p and -n must be >= 0"),
        (["bench", "--temperature", "-1"], "temperature: must be >= 0"),
        (["bench", "--temperature", "1", "--top-k", "-2"], "top-k: must be >= 1"),
        (["generate", "--prompt", "x", "--threads", "-2"], "--threads must be >= 1"),
        (["serve", "--port", "-1"], "--port must be 0...65535"),
    ])
    func negativeNumbersReachTheirValidation(arguments: [String], expected: String) throws {
        let message = try #require(parseError(arguments))
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("Missing value"))
    }

    /// bench's sampling options: ranges named by option, filters only with a temperature.
    @Test(arguments: [
        (["bench", "--temperature", "0.8", "--top-p", "1.5"], "top-p: must be in (0, 1], got 1.5"),
        (["bench", "--temperature", "0.8", "--min-p", "2"], "min-p: must be in [0, 1], got 2.0"),
        (["bench", "--top-k", "40"], "--top-p, --top-k and --min-p need --temperature"),
    ])
    func benchSamplingOptionsAreChecked(arguments: [String], expected: String) throws {
        let message = try #require(parseError(arguments))
        #expect(message.contains(expected), "\(message)")
    }

    /// One shared --threads on every command that computes.
    @Test(arguments: [
        ["generate", "--prompt", "x"], ["chat"], ["perplexity", "--file", "f"], ["logits", "--tokens", "1"],
        ["analyze", "attention"], ["analyze", "probe"], ["demo"], ["eval", "passkey"], ["eval", "efficiency"],
        ["eval", "perplexity"], ["serve"], ["bench"],
    ])
    func everyComputingCommandTakesThreads(arguments: [String]) throws {
        let command = try Skein.parseAsRoot(arguments + ["--threads", "3"])
        let computing = try #require(command as? any ComputingCommand, "\(type(of: command)) does not take --threads")
        #expect(computing.threadOptions.threads == 3)
    }

    @Test func versionPrintsTheBuild() throws {
        let run = try SkeinRun(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == SkeinBuild.description)
    }

    /// Help stays ArgumentParser's: the subcommand's help on stdout, exit 0.
    @Test(arguments: [["generate", "--help"], ["help", "generate"]])
    func helpIsPrinted(arguments: [String]) throws {
        let run = try SkeinRun(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("USAGE: skein generate"))
        #expect(run.stdout.contains("--threads") && run.stdout.contains("--frequency-penalty"))
        #expect(!run.stderr.contains("Error"))
    }

    /// A usage error found while the command runs shows that command's usage, exit 64.
    @Test func aUsageErrorInRunNamesTheSubcommand() throws {
        let run = try SkeinRun(["generate", "--prompt", "x", "--attention", "nosuchpolicy"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Error: attention: unknown"), "\(run.stderr)")
        #expect(run.stderr.contains("Usage: skein generate"), "\(run.stderr)")
        #expect(run.stderr.contains("See 'skein generate --help'"))
        #expect(!run.stderr.contains("skein <subcommand>"))
        let nested = try SkeinRun(["analyze", "attention", "--lengths", "abc", "--out", try temporaryFolder("usage").path])
        #expect(nested.status == 64)
        #expect(nested.stderr.contains("--lengths: 'abc'"), "\(nested.stderr)")
        #expect(nested.stderr.contains("Usage: skein analyze attention"), "\(nested.stderr)")
        let hidden = try SkeinRun(["analyze", "nosuchkind"])
        #expect(hidden.status == 64)
        #expect(hidden.stderr.contains("unknown analysis 'nosuchkind'"))
        #expect(hidden.stderr.contains("See 'skein analyze --help'") && !hidden.stderr.contains("unknown-kind"), "\(hidden.stderr)")
    }

    /// Parse errors and usage errors exit 64; a command line that is right but whose data is bad exits 65.
    @Test func exitCodesFollowOneRule() throws {
        #expect(try SkeinRun(["generate", "--no-such-option"]).status == 64)
        #expect(try SkeinRun(["generate", "--prompt", "x", "--temperature", "-1"]).status == 64)
        #expect(try SkeinRun(["generate", "--prompt", "x", "--attention", "nosuchpolicy"]).status == 64)
        let folder = try temporaryFolder("broken")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{ not json".utf8).write(to: folder.appendingPathComponent("config.json"))
        let broken = try SkeinRun(["logits", "--model", folder.path, "--tokens", "1,2"])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("config.json"), "\(broken.stderr)")
        #expect(!broken.stderr.contains("Usage:"))
        // serve used to turn every start-up failure into a usage error.
        let serve = try SkeinRun(["serve", "--model", folder.path, "--port", "0"])
        #expect(serve.status == 65, "\(serve.stderr)")
        #expect(serve.stderr.contains("config.json") && !serve.stderr.contains("Usage:"))
        #expect(try SkeinRun(["serve", "--attention", "nosuchpolicy", "--port", "0"]).status == 64)
        #expect(try SkeinRun(["policies"]).status == 0)
    }
}
