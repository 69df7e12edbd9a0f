import Foundation

/// Cancels a whole response's job when its client closes the connection, even when the close
/// comes before the job exists (while the body is decoded or the prompt tokenized).
final class InboundWatch: @unchecked Sendable {   // state guarded by lock
    private let lock = NSLock()
    private var job: InferenceJob?
    private var closed = false

    /// The job to cancel; cancelled at once when the client already left.
    func attach(_ job: InferenceJob) {
        lock.lock()
        defer { lock.unlock() }
        if closed { job.cancel() } else { self.job = job }
    }

    /// The client closed its side of the connection.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        closed = true
        job?.cancel()
    }
}
