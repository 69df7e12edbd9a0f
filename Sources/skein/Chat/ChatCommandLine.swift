import Foundation

/// A line typed at `skein chat`: a turn for the model, or one of the slash commands.
enum ChatCommandLine: Equatable {
    case message(String)
    case help
    case exit
    case reset
    case policy(String)
    case save(String)
    case load(String)
    /// A line starting with '/' that names no command, or a command missing its argument.
    case invalid(String)
    /// An empty line (ignored: the prompt comes back).
    case empty

    /// The commands and what they do, for `/help` and `skein chat --help`.
    static let helpText = """
        /help               list these commands
        /exit               leave (also Ctrl-D on an empty line, or the end of input)
        /reset              start over: a new cache, the system message kept
        /policy NAME[:k=v]  switch the attention policy and rebuild the cache
        /save FILE          save the conversation and its KV cache (never overwrites)
        /load FILE          continue a conversation saved with /save
        //text              send "/text" as a message
        Ctrl-C stops a reply (what was generated is kept) or clears the line.
        """

    init(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("/") else {
            self = trimmed.isEmpty ? .empty : .message(line)
            return
        }
        if trimmed.hasPrefix("//") {
            self = .message(String(line.drop { $0 == " " }.dropFirst()))
            return
        }
        let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        func needing(_ make: (String) -> ChatCommandLine, _ usage: String) -> ChatCommandLine {
            argument.isEmpty ? .invalid("\(parts[0]) needs an argument: \(usage)") : make(argument)
        }
        switch parts[0] {
        case "/help": self = .help
        case "/exit", "/quit": self = .exit
        case "/reset": self = .reset
        case "/policy": self = needing(ChatCommandLine.policy, "/policy NAME[:key=value,...]")
        case "/save": self = needing(ChatCommandLine.save, "/save FILE")
        case "/load": self = needing(ChatCommandLine.load, "/load FILE")
        default: self = .invalid("unknown command \(parts[0]) (/help lists the commands; //text sends a line starting with /)")
        }
    }
}
