import ArgumentParser

@main
struct Skein: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skein",
        abstract: "A long-context inference engine for the CPU.",
        subcommands: [GenerateCommand.self, TokenizeCommand.self, DetokenizeCommand.self, PerplexityCommand.self, ChatCommand.self, DemoCommand.self, EvalCommand.self, LogitsCommand.self, InspectCommand.self, PoliciesCommand.self, BenchCommand.self, QuantizeCommand.self, KernelBenchCommand.self, ServeCommand.self, AnalyzeCommand.self])
}
