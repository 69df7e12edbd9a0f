/// A failure of the work rather than of the command line: printed as one `Error: ...` line,
/// without usage, and exiting with the status of its kind (see `CommandFailure`).
struct RuntimeError: Error, CustomStringConvertible {
    enum Kind {
        /// A file or folder that is not there (exit 66, EX_NOINPUT).
        case missingFile
        /// A file that is there but cannot be used: malformed, inconsistent, unsupported (exit 65, EX_DATAERR).
        case badData
    }

    let kind: Kind
    /// The message, naming the file, field, tensor or option at fault.
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
