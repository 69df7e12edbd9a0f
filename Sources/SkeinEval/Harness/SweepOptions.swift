/// Parsers for the sweep options the CLI passes through as text (`--lengths`, `--shard`).
public enum SweepOptions {
    /// Lengths in tokens ("256,512") or multiples of the training length ("1x,2x", "0.5x"), as
    /// `skein analyze` takes them.
    /// - Throws: `EvalError.invalidOption` naming `option` and the bad item.
    public static func lengths(_ text: String, trainingLength L: Int, option: String = "--lengths") throws -> [Int] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw EvalError.invalidOption(option: option, reason: "expected lengths such as 256,512 or 1x,2x") }
        return try parts.map { part -> Int in
            let value: Int
            if part.hasSuffix("x"), let factor = Double(part.dropLast()), factor > 0, factor.isFinite {
                value = Int((factor * Double(L)).rounded())
            } else if let n = Int(part) {
                value = n
            } else {
                throw EvalError.invalidOption(option: option, reason: "'\(part)' is neither a token count nor a multiple of the training length like 2x")
            }
            guard value >= 1 else { throw EvalError.invalidOption(option: option, reason: "'\(part)' gives \(value) tokens; lengths must be positive") }
            return value
        }
    }

    /// `k/n` (1-based), or `auto`: k and n from the job array this process runs in.
    ///
    /// `auto` reads Slurm job arrays (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, and
    /// `SLURM_ARRAY_TASK_MIN` so `--array=0-7` and `--array=1-8` both work), else a Kubernetes
    /// Indexed Job (`JOB_COMPLETION_INDEX`, 0-based, with n from `shards`, i.e. `--shards N`).
    /// - Throws: `EvalError.invalidOption` saying which variable or option is missing or wrong.
    public static func shard(_ text: String, shards: Int?, environment: [String: String]) throws -> (index: Int, count: Int) {
        func bad(_ reason: String) -> EvalError { .invalidOption(option: "--shard \(text)", reason: reason) }
        guard text == "auto" else {
            let parts = text.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else { throw bad("expected k/n with 1 <= k <= n, or auto") }
            if let shards, shards != parts[1] { throw bad("--shards \(shards) disagrees with n = \(parts[1])") }
            return (parts[0], parts[1])
        }
        if let id = environment["SLURM_ARRAY_TASK_ID"] {
            guard let task = Int(id) else { throw bad("SLURM_ARRAY_TASK_ID=\(id) is not a number") }
            guard let countText = environment["SLURM_ARRAY_TASK_COUNT"], let count = Int(countText), count >= 1 else {
                throw bad("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (Slurm sets both for --array jobs)")
            }
            let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
            let k = task - minimum + 1
            guard (1...count).contains(k) else {
                throw bad("SLURM_ARRAY_TASK_ID=\(task) is not among \(count) contiguous tasks from \(minimum); use a contiguous --array such as 0-\(count - 1)")
            }
            if let shards, shards != count { throw bad("--shards \(shards) disagrees with SLURM_ARRAY_TASK_COUNT=\(count)") }
            return (k, count)
        }
        if let indexText = environment["JOB_COMPLETION_INDEX"] {
            guard let index = Int(indexText), index >= 0 else { throw bad("JOB_COMPLETION_INDEX=\(indexText) is not a number >= 0") }
            guard let shards else { throw bad("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job); give the job's completions as --shards N") }
            guard shards >= 1, index < shards else { throw bad("JOB_COMPLETION_INDEX=\(index) is not below --shards \(shards)") }
            return (index + 1, shards)
        }
        throw bad("neither SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N) is set")
    }
}
