/// Checks that results belong to one experiment: one task, one provenance (`EvalProvenance.differences`)
/// and, per method, one applied policy.
public enum ExperimentCheck {
    /// What a record says about its experiment, for comparison.
    struct Identity {
        var task: String
        var provenance: EvalProvenance?
        var applied: AppliedPolicy?
    }

    /// The first identity difference between two records' experiments, as (field, a, b).
    static func difference(_ a: Identity, _ b: Identity, method: String) -> (String, String, String)? {
        if a.task != b.task { return ("task", a.task, b.task) }
        switch (a.provenance, b.provenance) {
        case (nil, nil): break
        case (nil, .some): return ("provenance", "not recorded", "recorded")
        case (.some, nil): return ("provenance", "recorded", "not recorded")
        case (.some(let x), .some(let y)):
            if let d = x.differences(from: y).first { return (d.field, d.mine, d.theirs) }
        }
        if let x = a.applied, let y = b.applied, x != y {
            return ("the policy applied to method '\(method)'", describe(x), describe(y))
        }
        return nil
    }

    static func describe(_ p: AppliedPolicy) -> String {
        "attention \(p.attention), rope \(p.rope), kv \(p.kvType) (\(p.source))"
    }

    /// Throws when a record of `file` was written by another experiment than this run.
    /// - Parameters:
    ///   - provenance: this run's provenance; nil compares the task and applied policies only.
    ///   - applied: method name -> what this run's backend applies.
    static func resume(file: String, records: [EvalRecord], task: String, provenance: EvalProvenance?,
                       applied: [String: AppliedPolicy]) throws {
        for record in records {
            let current = Identity(task: task, provenance: provenance ?? record.provenance, applied: applied[record.method] ?? record.applied)
            let recorded = Identity(task: record.task, provenance: record.provenance, applied: record.applied)
            if let (field, old, new) = difference(recorded, current, method: record.method) {
                throw EvalError.differentExperiment(file: file, field: field, recorded: old, current: new)
            }
        }
    }

    /// Throws unless every record of every named set belongs to the same experiment as the first
    /// record; the error names both sets and the field. Applied policies are compared per method.
    public static func consistent(_ sets: [(name: String, records: [EvalRecord])]) throws {
        guard let firstSet = sets.first(where: { !$0.records.isEmpty }), let first = firstSet.records.first else { return }
        let reference = Identity(task: first.task, provenance: first.provenance, applied: nil)
        var appliedByMethod = [String: (set: String, policy: AppliedPolicy)]()
        for set in sets {
            for record in set.records {
                let mine = Identity(task: record.task, provenance: record.provenance, applied: nil)
                if let (field, a, b) = difference(reference, mine, method: record.method) {
                    throw EvalError.mixedExperiments(first: firstSet.name, second: set.name, field: field, firstValue: a, secondValue: b)
                }
                guard let policy = record.applied else { continue }
                if let seen = appliedByMethod[record.method] {
                    if seen.policy != policy {
                        throw EvalError.mixedExperiments(first: seen.set, second: set.name, field: "the policy applied to method '\(record.method)'",
                                                         firstValue: describe(seen.policy), secondValue: describe(policy))
                    }
                } else {
                    appliedByMethod[record.method] = (set.name, policy)
                }
            }
        }
    }

    /// The records of shard folders joined (duplicates by key dropped), after checking that all
    /// shards are of one experiment.
    public static func merge(_ shards: [(name: String, records: [EvalRecord])]) throws -> [EvalRecord] {
        try consistent(shards)
        var seen = Set<String>()
        return shards.flatMap(\.records).filter { seen.insert($0.key).inserted }
    }
}
