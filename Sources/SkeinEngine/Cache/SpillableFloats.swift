/// A growable float array that lives in RAM until told to spill, then in an unlinked scratch file
/// (`FileBackedBuffer`), for per-token state that is read sparsely: ReAttention's page bounds and
/// selection scores once its cache is offloaded. `releaseResident` then drops every page from the
/// resident set; the few read next come back through the page cache.
final class SpillableFloats {
    private(set) var count = 0
    private var capacity = 0
    private var heap: UnsafeMutablePointer<Float>?
    private var file: FileBackedBuffer?

    init() {}

    deinit { heap?.deallocate() }

    /// Whether the floats live in a scratch file.
    var isSpilled: Bool { file != nil }

    /// The first float; valid until the next append.
    var base: UnsafeMutablePointer<Float> { file?.base ?? heap ?? Self.empty }
    private static let empty = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    subscript(i: Int) -> Float {
        get { base[i] }
        set { base[i] = newValue }
    }

    /// Appends `n` floats from `source`; with `spill`, storage that has to grow moves to a file.
    func append(_ source: UnsafePointer<Float>, count n: Int, spill: Bool) throws {
        try reserve(count + n, spill: spill)
        (base + count).update(from: source, count: n)
        count += n
    }

    /// Appends `n` copies of `value`.
    func append(repeating value: Float, count n: Int, spill: Bool) throws {
        try reserve(count + n, spill: spill)
        (base + count).update(repeating: value, count: n)
        count += n
    }

    /// The floats as an array (a copy).
    var array: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Drops the file's pages from the resident set (nothing to do in RAM).
    func releaseResident() { file?.release(0..<capacity) }

    private func reserve(_ needed: Int, spill: Bool) throws {
        guard needed > capacity || (spill && file == nil && count > 0) else { return }
        var grown = max(capacity, 1024)
        while grown < needed { grown *= 2 }
        if spill || file != nil {
            let fresh = try FileBackedBuffer(count: grown)
            fresh.base.update(from: base, count: count)
            fresh.release(0..<count)  // every store of a layer grows in the same pass: keep the copies off the resident set
            heap?.deallocate()
            heap = nil
            file = fresh
        } else {
            let fresh = UnsafeMutablePointer<Float>.allocate(capacity: grown)
            fresh.update(from: base, count: count)
            heap?.deallocate()
            heap = fresh
        }
        capacity = grown
    }
}
