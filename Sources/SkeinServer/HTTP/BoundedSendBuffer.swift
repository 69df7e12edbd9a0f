import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 child channel with a fixed kernel send buffer (`SO_SNDBUF`) per
/// connection.
///
/// Linux grows a socket's send buffer on its own, up to `net.ipv4.tcp_wmem`'s maximum (4 MB by
/// default). A stream whose client reads nothing would then fill megabytes of kernel memory,
/// thousands of tokens' worth, before a write waits and `--write-timeout` starts counting. A fixed
/// buffer makes such a client stall the writes after a few hundred KB; server-sent events need
/// little bandwidth, so nothing is lost for clients that read.
struct BoundedSendBufferChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    /// Bytes asked for with `SO_SNDBUF` (the kernel doubles it for its bookkeeping).
    let sendBufferBytes: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(sendBufferBytes))
            .flatMap { http.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 (Hummingbird's defaults) with `SO_SNDBUF` set to `sendBufferBytes` on every connection.
    static func http1(sendBufferBytes: Int) -> HTTPServerBuilder {
        .init { responder in BoundedSendBufferChannel(http: HTTP1Channel(responder: responder), sendBufferBytes: sendBufferBytes) }
    }
}
