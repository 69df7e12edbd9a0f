import Foundation
import Testing

/// Crash safety of saved sessions: a server SIGKILLed at random moments while clients keep
/// finishing turns (each turn ends in a session save) never leaves a corrupt session, and every
/// session restarts at its last completed turn, or at the turn that was being answered when the
/// kill came if its save had finished.
@Suite(.serialized) struct SessionCrashSafetyTests {
    static let rounds = 100
    static let clients = 3
    /// Turns per session before a client moves on to a new session (keeps prompts short).
    static let turnsPerSession = 6

    static func userMessage(_ turn: Int) -> String { "Question \(turn): who made the heaven and the earth?" }

    /// The conversation of turn `turn` (0-based) given the earlier replies.
    static func messages(turn: Int, replies: [String]) -> [[String: String]] {
        var messages: [[String: String]] = []
        for t in 0...turn {
            messages.append(["role": "user", "content": userMessage(t)])
            if t < turn { messages.append(["role": "assistant", "content": replies[t]]) }
        }
        return messages
    }

    static func content(_ body: [String: Any]) -> String? {
        ((body["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
    }

    /// One turn on `session`; nil when the server went away.
    static func turn(_ server: ServerProcess, session: String, turn: Int, replies: [String]) -> String? {
        guard let (status, body) = try? server.post("/v1/chat/completions", [
            "messages": messages(turn: turn, replies: replies), "max_tokens": 6, "temperature": 0, "session": session]),
              status == 200 else { return nil }
        return content(body)
    }

    static func tokens(_ server: ServerProcess, session: String) throws -> (status: Int, tokens: Int?, body: [String: Any]) {
        let (status, body) = try server.request("/v1/sessions/\(session)", method: "GET", body: nil)
        return (status, body["tokens"] as? Int, body)
    }

    @Test func sessionsSurviveAHundredSIGKILLsDuringSavesUncorruptedAtTheirLastTurn() throws {
        // Control: one session's replies and saved token counts, turn by turn, never killed.
        let controlFolder = try temporaryFolder("crash-control")
        let control = try ServerProcess(arguments: ["--sessions", controlFolder.path])
        #expect(try control.post("/v1/sessions", ["id": "control"]).0 == 201)
        var replies: [String] = []
        var tokensAfter: [Int] = []  // tokensAfter[t]: the session's tokens once turn t is done
        for t in 0..<Self.turnsPerSession {
            replies.append(try #require(Self.turn(control, session: "control", turn: t, replies: replies)))
            tokensAfter.append(try #require(try Self.tokens(control, session: "control").tokens))
        }
        control.killHard()
        let controlReplies = replies

        final class Client: @unchecked Sendable {
            var generation = 0
            var completed = 0  // turns of the current session known to be saved
            let index: Int
            init(index: Int) { self.index = index }
            var session: String { "c\(index)-g\(generation)" }
        }
        let clients = (0..<Self.clients).map(Client.init)
        let folder = try temporaryFolder("crash-sessions")
        var random = SystemRandomNumberGenerator()
        var killsWithTurnsInFlight = 0
        var savedButUnanswered = 0  // kills that came after a save and before its reply
        let turnsDone = ManagedCounter()
        for round in 0..<Self.rounds {
            let server = try ServerProcess(arguments: ["--sessions", folder.path])
            // Every session restarts readable, at its last completed turn or one past it.
            for client in clients {
                let (status, tokens, body) = try Self.tokens(server, session: client.session)
                if client.completed == 0 && status == 404 {
                    let created = try server.post("/v1/sessions", ["id": client.session]).0
                    #expect(created == 201 || created == 409, "round \(round): creating \(client.session) gave \(created)")
                    continue
                }
                #expect(status == 200, "round \(round): session \(client.session) after SIGKILL: \(status) \(body)")
                guard let tokens else { continue }
                let last = client.completed == 0 ? nil : tokensAfter[client.completed - 1]
                let next = client.completed < tokensAfter.count ? tokensAfter[client.completed] : nil
                if tokens == next {
                    client.completed += 1  // the save landed, the reply did not
                    savedButUnanswered += 1
                } else if client.completed == 0 && tokens == 0 {
                    // created, no turn saved yet
                } else {
                    #expect(tokens == last, "round \(round): \(client.session) holds \(tokens) tokens; last completed turn \(client.completed) had \(last.map(String.init) ?? "none"), next \(next.map(String.init) ?? "none")")
                }
            }
            // Clients take turns until the kill.
            let group = DispatchGroup()
            let inFlight = ManagedCounter()  // turns under way now
            for client in clients {
                DispatchQueue.global().async(group: group) {
                    while true {
                        if client.completed == Self.turnsPerSession {
                            client.generation += 1
                            client.completed = 0
                            guard (try? server.post("/v1/sessions", ["id": client.session]).0) == 201 else { return }
                        }
                        inFlight.add(1)
                        let reply = Self.turn(server, session: client.session, turn: client.completed, replies: controlReplies)
                        inFlight.add(-1)
                        guard let reply else { return }
                        #expect(reply == controlReplies[client.completed], "\(client.session) turn \(client.completed): \(reply) vs control \(controlReplies[client.completed])")
                        client.completed += 1
                        turnsDone.add(1)
                    }
                }
            }
            usleep(UInt32.random(in: 100_000...700_000, using: &random))
            if inFlight.value > 0 { killsWithTurnsInFlight += 1 }
            server.killHard()
            group.wait()
        }
        print("session crash safety: \(Self.rounds) SIGKILLs, \(killsWithTurnsInFlight) during a turn, \(turnsDone.value) turns answered, \(savedButUnanswered) saved but unanswered")
        #expect(turnsDone.value >= Self.rounds, "too few turns to test anything")
        // Most kills landed while turns (and so saves) were under way.
        #expect(killsWithTurnsInFlight >= Self.rounds / 2, "only \(killsWithTurnsInFlight) of \(Self.rounds) kills came during a turn")
        let saved = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".session") }
        #expect(saved.count >= Self.clients)
    }
}

/// A counter shared by client threads.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ n: Int) { lock.lock(); count += n; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
