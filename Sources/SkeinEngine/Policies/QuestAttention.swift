/// Quest (Tang et al., 2024): the cache is cut into pages of `page` tokens with per-channel
/// minimum and maximum keys; each query head reads its own page plus the `pages - 1` pages whose
/// upper bound sum_d max(q_d min_d, q_d max_d) is highest. Nothing is evicted: Quest saves reads,
/// not memory.
public struct QuestAttention: KVMemoryPolicy {
    public let page: Int
    public let budget: KVBudget
    /// Pages read per query (its own included); nil: budget / page.
    public let pages: Int?

    public init(page: Int = 16, budget: KVBudget, pages: Int? = nil) {
        self.page = page
        self.budget = budget
        self.pages = pages
    }

    public var description: String { "quest:page=\(page)," + (pages.map { "pages=\($0)" } ?? "\(budget)") }
    public var scoreSource: MemoryScoreSource { .none }

    public func selection(seen: Int) -> MemorySelection {
        .pages(page: page, pages: pages ?? max(1, budget.entries(seen: seen) / page))
    }

    public func segments(queryPosition: Int, slots: SlotPositions) -> [AttentionSegment] {
        [AttentionSegment(slots: 0..<slots.count, queryPosition: queryPosition)]
    }

    /// The pages a query reads, given the upper bounds of the complete pages before its own page
    /// (`bounds[p]` for page p): its own page `current` plus the best `count - 1`, ascending.
    public static func chosenPages(bounds: [Float], current: Int, count: Int) -> [Int] {
        MemoryRules.topIndices(bounds, k: max(0, count - 1)) + [current]
    }
}
