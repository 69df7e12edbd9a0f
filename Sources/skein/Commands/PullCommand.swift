import ArgumentParser
import Foundation
import SkeinFormats

/// `skein pull ORG/NAME[@REVISION]`: downloads a model from the Hugging Face Hub into the
/// Hugging Face cache, where `--model ORG/NAME` (and other tools) find it.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download a model from the Hugging Face Hub into the Hugging Face cache.",
        discussion: """
            Files go to the huggingface_hub cache layout ($HF_HUB_CACHE, else $HF_HOME/hub, else \
            $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub): blobs/, snapshots/COMMIT/ (symlinks into blobs/) and \
            refs/REVISION, so `--model ORG/NAME`, `hf` and transformers find them. The Hub is \
            $HF_ENDPOINT (default https://huggingface.co); $HF_TOKEN is sent for gated or private \
            models. A file is written to blobs/ETAG.incomplete and renamed only once its size (and \
            for LFS files its SHA-256) checks; a broken download resumes from what arrived, files \
            already in the cache are not downloaded again. Progress is shown on standard error \
            when it is a terminal, then a summary line; standard output gets the path \
            `--model ORG/NAME` loads (the snapshot folder, or its one .gguf file when it has no \
            config.json). \
            Exit status: 66 repository, revision or file not found; 65 a download that does not \
            verify (deleted; run again); 70 network failure or no access.
            """)

    @Argument(help: "The model, ORG/NAME[@REVISION] (REVISION: a branch, tag or commit; default main).")
    var model: String

    @Option(help: "The revision (branch, tag or commit), instead of @REVISION.")
    var revision: String?

    @Option(name: .customLong("include"), help: ArgumentHelp("Download only files matching GLOB (`*` any characters, `?` one); repeatable; default: every file.", valueName: "GLOB"))
    var include: [String] = []

    /// The model name with `--revision` applied.
    func name() throws -> ModelName {
        guard let parsed = ModelName(model) else {
            throw ValidationError("'\(model)' is not a model name ORG/NAME[@REVISION]")
        }
        guard let revision else { return parsed }
        if let given = parsed.revision, given != revision {
            throw ValidationError("'\(model)' names revision \(given) but --revision is \(revision)")
        }
        guard let named = ModelName("\(parsed.repository)@\(revision)") else {
            throw ValidationError("--revision '\(revision)' is not a revision (a branch, tag or commit)")
        }
        return named
    }

    func validate() throws {
        _ = try name()
        if let empty = include.first(where: \.isEmpty) { throw ValidationError("--include '\(empty)' is empty") }
    }

    func run() async throws {
        let downloader = try HubDownloader()
        let bars = PullProgress()
        let result = try await downloader.pull(try name(), include: include.map(GlobPattern.init)) { bars.update($0) }
        bars.finish()
        let skipped = result.skipped.isEmpty ? "" : ", \(result.skipped.count) already in the cache"
        FileHandle.standardError.write(Data("pulled \(result.downloaded.count) file(s)\(skipped)\n".utf8))
        print(result.model.path)
    }
}

/// One progress bar per file, fed from the download's background queue.
// @unchecked: `bar` and `file` are touched only under `lock`.
final class PullProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var bar: ProgressBar?
    private var file = ""

    func update(_ progress: HubProgress) {
        lock.withLock {
            if progress.file != file {
                bar?.finish()
                file = progress.file
                bar = ProgressBar(label: "[\(progress.index + 1)/\(progress.count)] \(progress.file)", total: progress.total ?? 0)
            }
            bar?.update(progress.received)
        }
    }

    func finish() { lock.withLock { bar?.finish(); bar = nil } }
}
