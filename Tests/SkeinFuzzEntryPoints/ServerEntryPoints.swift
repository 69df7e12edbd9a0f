import Foundation
import SkeinDemoModel
import SkeinEngine
import SkeinServer

/// Why a server target could not run (the demo model is not in this build).
struct FuzzSetupError: Error, CustomStringConvertible {
    var description: String
}

/// The shipped demo model, loaded once per process: what session files and requests are checked against.
let demoHost: Result<ModelHost, Error> = Result {
    guard let folder = DemoModel.folder else { throw FuzzSetupError(description: "the demo model's resources are missing") }
    return try ModelHost(folder: folder)
}

/// One in-memory session store for the request target.
let demoSessions: Result<SessionStore, Error> = demoHost.flatMap { host in Result { try SessionStore(directory: nil, host: host) } }

/// Session files. Input: a session file without its checksums (magic, header length, JSON
/// header, then the KV archive without its own trailing checksum). It is decoded as is (where
/// the checksum check throws) and sealed: both checksums appended where the format puts them,
/// so the fuzzer reaches the headers and the KV payload behind them (accepted when either reads).
func feedSessionArchive(_ data: Data) throws {
    let host = try demoHost.get()
    try any({ _ = try decodeSessionArchive(data, host: host, source: "fuzz.session") },
            { _ = try decodeSessionArchive(sealSession(data), host: host, source: "fuzz.session") })
}

/// `data` with the KV archive's checksum (when its header length points inside the data) and the
/// session file's checksum appended.
func sealSession(_ data: Data) -> Data {
    let magicCount = 10  // "SKEINSES1\n"
    var sealed = Data(data)
    if sealed.count >= magicCount + 8 {
        let length = sealed.readLittleEndian(at: magicCount)
        if length <= UInt64(sealed.count) {
            let kvStart = magicCount + 8 + Int(length)
            if kvStart + 16 <= sealed.count { sealed.appendLittleEndian(FNV1a.hash(sealed[kvStart...])) }
        }
    }
    sealed.appendLittleEndian(FNV1a.hash(sealed))
    return sealed
}

/// Request bodies: the bytes are decoded and prepared as a chat request and as a completion
/// request (accepted when one of them is).
func feedRequests(_ data: Data) throws {
    let host = try demoHost.get(), sessions = try demoSessions.get()
    try any({ try prepareRequest(body: data, chat: true, host: host, sessions: sessions) },
            { try prepareRequest(body: data, chat: false, host: host, sessions: sessions) })
}
