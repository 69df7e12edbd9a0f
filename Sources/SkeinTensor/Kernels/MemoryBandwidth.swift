import SkeinKernels

/// Main-memory read bandwidth, the roofline of a matrix-vector product: the threads of
/// `Parallel` each stream their part of a buffer much larger than the last-level cache.
public enum MemoryBandwidth {
    /// Best of `runs` timed streaming reads of a `bytes`-byte buffer, in GB/s (1e9 bytes per second).
    /// The default 512 MiB is ten times a large server L3, so the reads come from DRAM.
    public static func measure(bytes: Int = 512 << 20, runs: Int = 10) -> Double {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { buffer.deallocate() }
        // Touch every page first, so the timed reads take no page faults.
        buffer.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
        let chunk = 1 << 20
        var best = 0.0
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            Parallel.forEachRange((bytes + chunk - 1) / chunk) { chunks in
                let lower = chunks.lowerBound * chunk, upper = min(bytes, chunks.upperBound * chunk)
                checksum(skein_stream_read(buffer + lower, upper - lower))
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, Double(bytes) / seconds / 1e9)
        }
        return best
    }

    /// Keeps the reads' result alive.
    @inline(never)
    private static func checksum(_ value: UInt64) {
        if value == 0x5eed_5eed_5eed_5eed { print("") }
    }
}

import Dispatch
