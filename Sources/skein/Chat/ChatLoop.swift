import Foundation
import SkeinEngine

/// The read-reply loop of `skein chat`: lines in, replies on standard output (each ended by its
/// newline as soon as it is done), commands' output and notices on standard error.
struct ChatLoop {
    let session: ChatSession
    var input: ChatInput
    let interrupt: InterruptFlag
    /// `ChatFile.fingerprint` of the model, written by /save and checked by /load.
    let modelFingerprint: String
    var write: (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
    var note: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Runs until /exit or the end of input.
    mutating func run() {
        while let line = input.nextLine() {
            if !handle(ChatCommandLine(line)) { return }
        }
    }

    /// Acts on one line; false to leave.
    mutating func handle(_ command: ChatCommandLine) -> Bool {
        switch command {
        case .empty: break
        case .exit: return false
        case .help: note(ChatCommandLine.helpText)
        case .invalid(let reason): note("error: \(reason)")
        case .reset:
            session.reset()
            note("[conversation reset]")
        case .policy(let spelling):
            do {
                try session.switchPolicy(to: spelling)
                note("[attention policy: \(session.policy); cache rebuilt for \(session.held.count) tokens]")
            } catch {
                note("error: /policy \(spelling): \(error)")
            }
        case .save(let path):
            do {
                let file = ChatFile(header: .init(model: modelFingerprint, attention: session.attention, rope: session.rope,
                                                  kvType: session.kvType, messages: session.messages, tokens: session.held,
                                                  hasCache: session.cache != nil),
                                    cache: session.cache)
                try ChatFile.writeNew(try file.encoded(), to: path)
                note("[saved \(session.messages.count) messages\(session.cache?.supportsSnapshots == true ? " and the KV cache" : " (this policy's cache state is not saved: /load prefills the conversation again)") to \(path)]")
            } catch {
                note("error: /save: \(error)")
            }
        case .load(let path): load(path)
        case .message(let text): reply(to: text)
        }
        return true
    }

    private func reply(to text: String) {
        _ = interrupt.take()
        do {
            let report = try session.send(text) { piece in
                if !piece.isEmpty { write(piece) }
                return !interrupt.isRaised
            }
            write("\n")
            if report.finishReason == FinishReason.cancelled.rawValue { note("[reply stopped]") }
        } catch {
            write("\n")
            note("error: \(error)")
        }
    }

    private func load(_ path: String) {
        let session = self.session
        do {
            var reasons: [String] = []
            let file = try ChatFile.read(path) { header in
                if header.model != modelFingerprint { reasons.append("it was saved with another model") }
                if (header.attention, header.rope, header.kvType) != (session.attention, session.rope, session.kvType) {
                    reasons.append("it was saved under --attention \(header.attention) --rope \(header.rope) --kv-type \(header.kvType)")
                }
                if !header.hasCache { reasons.append("it holds no KV cache (this policy's state is not saved)") }
                return reasons.isEmpty ? session.model : nil
            }
            try session.restore(messages: file.header.messages, cache: file.cache, tokens: file.header.tokens)
            let rebuilt = reasons.isEmpty ? "" : "; cache rebuilt for --attention \(session.attention) because " + reasons.joined(separator: " and ")
            note("[loaded \(file.header.messages.count) messages from \(path)\(rebuilt)]")
        } catch {
            note("error: /load: \(error)")
        }
    }
}
