import Foundation
import Testing
@testable import SkeinTensor

/// The default thread count is the processors the process may run on: its affinity mask on Linux.
@Suite struct ProcessorsTests {
    #if os(Linux)
    /// The processors in /proc/self/status's Cpus_allowed_list ("0-3,8,10-11").
    static func allowedList() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        return try list.split(separator: ",").reduce(0) { count, range in
            let ends = range.split(separator: "-").compactMap { Int($0) }
            let first = try #require(ends.first), last = try #require(ends.last)
            return count + last - first + 1
        }
    }

    @Test func theDefaultIsTheAffinityMask() throws {
        let allowed = try Self.allowedList()
        #expect(Processors.available == allowed)
        #expect(Parallel.defaultThreadCount == allowed)
    }

    /// A thread pinned to one processor sees one: the count is the mask's, not the machine's.
    @Test func aPinnedThreadCountsOneProcessor() throws {
        typealias SetAffinity = @convention(c) (pid_t, Int, UnsafeRawPointer) -> Int32
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity"))
        let setAffinity = unsafeBitCast(symbol, to: SetAffinity.self)
        final class Box: @unchecked Sendable { var status: Int32 = -1; var seen = 0 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            var mask = cpu_set_t()
            withUnsafeMutableBytes(of: &mask) { $0[0] = 1 }  // processor 0 only
            box.status = withUnsafeBytes(of: &mask) { setAffinity(0, $0.count, $0.baseAddress!) }  // this thread only
            box.seen = Processors.available
        }
        thread.start()
        done.wait()
        try #require(box.status == 0, "sched_setaffinity failed (processor 0 not allowed?)")
        #expect(box.seen == 1)
    }
    #else
    @Test func theDefaultIsTheActiveProcessorCount() {
        #expect(Processors.available == ProcessInfo.processInfo.activeProcessorCount)
    }
    #endif
}
