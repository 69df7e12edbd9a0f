import ArgumentParser
import SkeinEngine

@main
struct Skein: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skein",
        abstract: "A long-context inference engine for the CPU.",
        discussion: "Exit status: 0 success, 64 usage error (a bad option or value; usage is shown), 65 bad input data (config, tensors, tokenizer, text), 66 a missing file, 70 any other failure.",
        version: SkeinBuild.description,
        subcommands: [GenerateCommand.self, TokenizeCommand.self, DetokenizeCommand.self, PerplexityCommand.self, ChatCommand.self, DemoCommand.self, EvalCommand.self, LogitsCommand.self, InspectCommand.self, PoliciesCommand.self, BenchCommand.self, QuantizeCommand.self, KernelBenchCommand.self, ServeCommand.self, AnalyzeCommand.self, PullCommand.self])

    /// Parses (after joining `--option -5` into `--option=-5`), applies `--threads`, runs, and
    /// reports errors with one rule for every command (see `CommandFailure`).
    static func main() async {
        let arguments = NegativeNumberArguments.join(Array(CommandLine.arguments.dropFirst()))
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)  // parse and validate() errors carry the subcommand's usage already
        }
        do {
            ThreadOptions.apply(from: command)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            CommandFailure(error, command: type(of: command)).exit()
        }
    }
}
