/// Errors raised while downloading a model from the Hugging Face Hub (`HubDownloader`).
///
/// The command line maps them to exit statuses (sysexits.h):
/// - 66, not found: `notFound` (a repository, revision or file the Hub does not have),
///   `noMatchingFiles` (no file of the repository matches `--include`);
/// - 65, bad data: `sizeMismatch`, `digestMismatch` (a download that does not verify; the
///   partial file is deleted, so running again downloads it afresh), `malformedResponse`
///   (an answer from the endpoint that is not what the Hub sends);
/// - 70, network or system: `unauthorized` (gated or private), `connectionFailed`,
///   `httpStatus`, `interrupted`, `unwritable`, `occupied`.
public enum HubError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 401/403: the repository is gated or private; `tokenSent` tells whether `HF_TOKEN` was set.
    case unauthorized(repository: String, tokenSent: Bool)
    /// 404: what is missing (`repository`, `revision`, `file`), its name and the URL asked.
    case notFound(what: String, name: String, url: String)
    /// The endpoint could not be reached, or a transfer failed before any byte arrived.
    case connectionFailed(endpoint: String, reason: String)
    /// Any other HTTP status.
    case httpStatus(url: String, status: Int)
    /// The endpoint answered with something that is not the Hub's format.
    case malformedResponse(url: String, reason: String)
    /// A transfer that kept breaking off; what arrived is kept in `partial` for the next run.
    case interrupted(file: String, received: Int, expected: Int, partial: String, reason: String)
    /// A downloaded file of the wrong size (deleted).
    case sizeMismatch(file: String, expected: Int, actual: Int)
    /// A downloaded LFS file whose SHA-256 is not the one the Hub lists (deleted).
    case digestMismatch(file: String, expected: String, actual: String)
    /// No file of the repository matches the include patterns.
    case noMatchingFiles(repository: String, patterns: [String])
    /// A file or folder of the cache could not be written.
    case unwritable(path: String, reason: String)
    /// A snapshot path that holds a regular file or folder, not a symlink this cache made: left alone.
    case occupied(path: String)

    public var description: String {
        switch self {
        case .unauthorized(let repository, let tokenSent):
            tokenSent
                ? "\(repository) is gated or private and the token in HF_TOKEN has no access to it: accept the model's terms on its Hub page or use a token with read access"
                : "\(repository) is gated or private: set HF_TOKEN to an access token that can read it (https://huggingface.co/settings/tokens)"
        case .notFound(let what, let name, let url): "\(what) \(name) not found (\(url))"
        case .connectionFailed(let endpoint, let reason): "cannot reach \(endpoint): \(reason)"
        case .httpStatus(let url, let status): "\(url): HTTP status \(status)"
        case .malformedResponse(let url, let reason): "\(url): unexpected answer: \(reason)"
        case .interrupted(let file, let received, let expected, let partial, let reason):
            "\(file): download interrupted at \(received) of \(expected) bytes (\(reason)); run again to resume from \(partial)"
        case .sizeMismatch(let file, let expected, let actual):
            "\(file): downloaded \(actual) bytes, expected \(expected); the partial file was deleted, run again to download it afresh"
        case .digestMismatch(let file, let expected, let actual):
            "\(file): SHA-256 \(actual) does not match the Hub's \(expected); the download was deleted, run again to download it afresh"
        case .noMatchingFiles(let repository, let patterns):
            "no file of \(repository) matches --include \(patterns.joined(separator: ", "))"
        case .unwritable(let path, let reason): "\(path): cannot write: \(reason)"
        case .occupied(let path): "\(path): exists and is not a link into the cache's blobs; not replaced"
        }
    }
}
