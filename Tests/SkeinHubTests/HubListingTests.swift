import Foundation
import SkeinFormats
import Testing

/// The revision listing the Hub answers, and the answers that would write outside the cache.
@Suite struct HubListingTests {
    static let commit = "0123456789abcdef0123456789abcdef01234567"

    @Test func filesSizesAndDigestsAreRead() throws {
        let json = """
            {"sha": "\(Self.commit)", "siblings": [
              {"rfilename": "config.json", "size": 12, "blobId": "x"},
              {"rfilename": "sub/model.safetensors", "size": 99, "lfs": {"sha256": "\(String(repeating: "AB", count: 32))", "size": 99}},
              {"rfilename": "README.md"}]}
            """
        let listing = try HubListing(json: Data(json.utf8), url: "u")
        #expect(listing.commit == Self.commit)
        #expect(listing.files.map(\.path) == ["config.json", "sub/model.safetensors", "README.md"])
        #expect(listing.files.map(\.size) == [12, 99, nil])
        #expect(listing.files.map(\.sha256) == [nil, String(repeating: "ab", count: 32), nil])
    }

    @Test(arguments: [
        "../escape.json", "/etc/passwd", "a/../../b", "a//b", "./x", "a\\\\b", "",
    ])
    func pathsOutsideTheRepositoryAreRefused(path: String) {
        let json = #"{"sha": "\#(Self.commit)", "siblings": [{"rfilename": "\#(path)"}]}"#
        #expect(throws: HubError.self) { try HubListing(json: Data(json.utf8), url: "u") }
    }

    @Test(arguments: [
        "[]", "{}", #"{"sha": "main", "siblings": []}"#, #"{"sha": "\#(commit)"}"#,
        #"{"sha": "\#(commit)", "siblings": [{"rfilename": "m", "lfs": {"sha256": "../x"}}]}"#,
    ])
    func malformedListingsAreTypedErrors(json: String) {
        let error = #expect(throws: HubError.self) { try HubListing(json: Data(json.utf8), url: "http://h/api") }
        guard case .malformedResponse(let url, _) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(url == "http://h/api")
    }
}
