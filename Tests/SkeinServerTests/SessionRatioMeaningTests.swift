import Foundation
import SkeinDemoModel
import SkeinEngine
import Testing
@testable import SkeinServer

/// Session files store the attention spelling. Since 2026-12-04 `ratio` is the fraction removed
/// for every policy; files written before (no `ratio` field in the header) are read with the
/// meaning they were written with, so an old `snapkv:ratio=0.75` (75% kept) never silently runs
/// as 75% removed.
struct SessionRatioMeaningTests {
    let host: ModelHost

    init() throws { host = try ModelHost(folder: DemoModel.folder!) }

    /// A session file as written before 2026-12-04: magic, header without `ratio`, checksum.
    func writeOldSession(_ id: String, attention: String, in folder: URL) throws {
        let header: [String: Any] = ["id": id, "attention": attention, "rope": "config", "kvType": "f32", "tokens": [Int](), "hasCache": false]
        let json = try JSONSerialization.data(withJSONObject: header)
        var data = Data("SKEINSES1\n".utf8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        withUnsafeBytes(of: SessionArchive.checksum(data).littleEndian) { data.append(contentsOf: $0) }
        try data.write(to: folder.appendingPathComponent("\(id).session"))
    }

    @Test func newFilesSayRatioIsRemovedAndReadBackUnchanged() throws {
        let folder = try temporaryFolder("ratio-new")
        _ = try SessionStore(directory: folder, host: host).create(id: "s", attention: "snapkv:ratio=0.25", rope: "config")
        let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent("s.session")), as: UTF8.self)
        #expect(text.contains("\"ratio\":\"removed\""))
        #expect(try SessionStore(directory: folder, host: host).checkout("s").attention == "snapkv:ratio=0.25")
    }

    @Test func oldFilesKeepTheMeaningTheyWereWrittenWith() throws {
        let folder = try temporaryFolder("ratio-old")
        try writeOldSession("snap", attention: "snapkv:ratio=0.75,window=8", in: folder)
        try writeOldSession("quest", attention: "quest:page=8,ratio=0.1", in: folder)
        try writeOldSession("knorm", attention: "knorm:ratio=0.25", in: folder)  // the presses always meant removed
        try writeOldSession("fixed", attention: "h2o:budget=64", in: folder)
        try writeOldSession("all", attention: "tova:ratio=1", in: folder)
        let store = try SessionStore(directory: folder, host: host)
        #expect(try store.checkout("snap").attention == "snapkv:ratio=0.25,window=8")
        #expect(try store.checkout("quest").attention == "quest:page=8,ratio=0.9")
        #expect(try store.checkout("knorm").attention == "knorm:ratio=0.25")
        #expect(try store.checkout("fixed").attention == "h2o:budget=64")
        // ratio=1 kept everything: no equivalent now, so the session is refused with the reason.
        #expect {
            try store.checkout("all")
        } throws: { error in
            (error as? APIError)?.code == "session_corrupt" && "\(error)".contains("ratio meant the fraction kept")
        }
    }
}
