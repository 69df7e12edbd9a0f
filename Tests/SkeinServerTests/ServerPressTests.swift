import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The kvpress presses through a running `skein serve`: bad press options are 400s naming the
/// option, and the server keeps serving good ones afterwards.
@Suite(.serialized) struct ServerPressTests {
    static let prompt: [String: Any] = ["prompt": "And God said, Let there be light: and there was light. And God said", "max_tokens": 8, "temperature": 0]

    func post(_ server: ServerProcess, attention: String) throws -> (Int, [String: Any]) {
        try server.post("/v1/completions", Self.prompt.merging(["skein": ["attention": attention]]) { $1 })
    }

    @Test func badPressOptionsAreNamedAndTheServerKeepsServing() throws {
        let server = try ServerProcess(arguments: [])
        for (attention, expected) in [("knorm:ratio=1.5", "ratio (the fraction removed, as kvpress) must be in (0, 1)"),
                                      ("adakv:quest,ratio=0.5", "cannot wrap 'quest'"),
                                      ("pyramidkv:budget=0", "budget must be >= 1")] {
            let (status, body) = try post(server, attention: attention)
            #expect(status == 400, "\(attention)")
            let message = ((body["error"] as? [String: Any])?["message"] as? String) ?? ""
            #expect(message.contains(expected), "\(attention): \(message)")
        }
        for attention in ["adakv:snapkv,ratio=0.5,window=4", "knorm:ratio=0.25", "chunkkv:knorm,ratio=0.5,chunk=4", "pyramidkv:ratio=0.5,window=4",
                          "expected-attention:ratio=0.5,future=32"] {
            let (status, body) = try post(server, attention: attention)
            #expect(status == 200, "\(attention): \(body)")
            let text = ((body["choices"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
            #expect(!text.isEmpty, "\(attention)")
        }
    }
}
