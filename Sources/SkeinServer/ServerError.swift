import Foundation
import NIOCore

/// Why `skein serve` could not start listening.
public enum ServerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another process listens on the port.
    case portInUse(host: String, port: Int)
    /// The host is not an address of this machine.
    case addressUnavailable(host: String, port: Int)

    /// The error for a failed bind, or nil for other I/O errors.
    init?(binding error: IOError, host: String, port: Int) {
        switch error.errnoCode {
        case EADDRINUSE: self = .portInUse(host: host, port: port)
        case EADDRNOTAVAIL: self = .addressUnavailable(host: host, port: port)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .portInUse(let host, let port): "port \(port) on \(host) is already in use (choose another with --port, or --port 0 for a free one)"
        case .addressUnavailable(let host, let port): "cannot listen on \(host):\(port): \(host) is not an address of this machine (--host)"
        }
    }
}
