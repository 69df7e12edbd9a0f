import ArgumentParser
import SkeinTensor

/// `--threads N`: the worker threads of every command that computes (`Parallel.threadCount`,
/// which the matrix kernels, attention and prefill share). Default: all cores.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1, got \(threads)") }
    }

    /// Sets the thread count the parsed command asked for, before it runs.
    static func apply(from command: ParsableCommand) {
        if let threads = (command as? ComputingCommand)?.threadOptions.threads { Parallel.threadCount = threads }
    }
}

/// A command that takes `--threads`.
protocol ComputingCommand: ParsableCommand {
    var threadOptions: ThreadOptions { get }
}

extension DemoCommand: ComputingCommand {}
extension EvalRunCommand: ComputingCommand {}
extension EvalEfficiencyCommand: ComputingCommand {}
extension EvalPerplexityCommand: ComputingCommand {}
extension AnalyzeAttentionCommand: ComputingCommand { var threadOptions: ThreadOptions { options.threads } }
extension AnalyzeReceptiveFieldCommand: ComputingCommand { var threadOptions: ThreadOptions { options.threads } }
extension AnalyzeRopeCommand: ComputingCommand { var threadOptions: ThreadOptions { options.threads } }
extension AnalyzePositionsCommand: ComputingCommand { var threadOptions: ThreadOptions { options.threads } }
extension AnalyzeProbeCommand: ComputingCommand { var threadOptions: ThreadOptions { options.threads } }
