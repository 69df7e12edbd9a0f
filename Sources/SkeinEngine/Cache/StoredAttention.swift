/// A policy whose cache stores keys and values in a given `KVStorageType` (`--kv-type`): it
/// decides exactly what `policy` decides; only `makeCache(for:)` reads `kvStorage`.
public struct StoredAttention: AttentionPolicy {
    public let policy: AttentionPolicy
    public let storage: KVStorageType

    public init(policy: AttentionPolicy, storage: KVStorageType) {
        self.policy = policy
        self.storage = storage
    }

    public var description: String { "\(policy) kv=\(storage)" }
    public var kvStorage: KVStorageType { storage }
    public var base: AttentionPolicy { policy }
    public var keyChannels: [KeyChannel] { policy.keyChannels }
    public var selectsByContent: Bool { policy.selectsByContent }
    public var executor: AttentionExecutor { policy.executor }
    public func resized(forInputLength n: Int, trainingLength: Int) -> AttentionPolicy? {
        policy.resized(forInputLength: n, trainingLength: trainingLength)?.storing(storage)
    }
    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] { policy.segments(queryPosition: queryPosition, slots: slots) }
    public func logitScale(queryPosition: Int) -> Float { policy.logitScale(queryPosition: queryPosition) }
    public func retainedPositions(nextPosition: Int) -> [Range<Int>]? { policy.retainedPositions(nextPosition: nextPosition) }
    public var explicitAttention: ExplicitAttention { policy.explicitAttention }
}
