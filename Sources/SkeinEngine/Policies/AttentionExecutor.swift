/// Which mechanism runs a policy's attention. A policy names its executor; the model prepares
/// that executor's state once per pass and dispatches on it, without inspecting the policy's type.
public enum AttentionExecutor {
    /// Segment plans over the dense cache (`PolicyAttention`): full, window, streaming, self-extend, ...
    case plans
    /// Scored per-head memory (`MemoryAttention`): h2o, tova, snapkv, sirllm, quest, tokenselect.
    case scoredMemory(KVMemoryPolicy)
    /// Block retrieval from offloaded memory (`InfLLMRun`).
    case blocks(InfLLMAttention)
    /// Position-agnostic selection, then re-positioned attention (`ReAttentionRun`).
    case selection(ReAttentionPolicy)
    /// Per-head chunk choice by chunk representatives (`LongHeadsRun`).
    case chunkHeads(LongHeadsPolicy)

    /// Whether this executor keeps scored per-head memory.
    var isScoredMemory: Bool {
        if case .scoredMemory = self { return true }
        return false
    }

    /// Whether this executor reads segment plans.
    public var usesPlans: Bool {
        if case .plans = self { return true }
        return false
    }
}

/// An executor with the state it keeps in the cache, made ready for one pass.
enum PreparedExecutor {
    case plans
    case scoredMemory(KVMemoryPolicy, KVMemoryState)
    case blocks(BlockMemory)
    case selection(ReAttentionPolicy, SelectionState)
    case chunkHeads(LongHeadsPolicy, LongHeadsState)
}
