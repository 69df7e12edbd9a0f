import Foundation

extension RotaryEmbedding {
    /// cos/sin that turn a key rotated at position `from` under `old` into the same key rotated at
    /// `to` under `self`: one rotation by to * f_new - from * f_old (and the ratio of attention scalings).
    public func transition(from old: RotaryEmbedding, position from: Int, to: Int) -> (cos: [Float], sin: [Float]) {
        let ratio = Double(frequencies.attentionScaling) / Double(old.frequencies.attentionScaling)
        let pFrom = Float(from), pTo = Float(to)
        var c = [Float](repeating: 0, count: frequencies.inverseFrequencies.count), s = c
        for i in c.indices {
            let angle = Double(pTo * frequencies.inverseFrequencies[i]) - Double(pFrom * old.frequencies.inverseFrequencies[i])
            c[i] = Float(Foundation.cos(angle) * ratio)
            s[i] = Float(Foundation.sin(angle) * ratio)
        }
        return (c, s)
    }
}

extension DenseKVCache {
    /// Key re-rotation (as in PIE): moves every cached key to a new position with one rotation,
    /// instead of recomputing it. `newPositions` (one per slot, ascending) replaces `positions`;
    /// keys of every channel follow their channel's position map. `rope` is the embedding the
    /// keys were written with; `newRope` (default: the same) the one they are moved to. The sliding
    /// layers of a model with their own RoPE (`slidingKeyRope`) move under theirs.
    public func moveKeys(to newPositions: [Int], rope: RotaryEmbedding, newRope: RotaryEmbedding? = nil) {
        precondition(newPositions.count == count, "one new position per slot")
        precondition(zip(newPositions, newPositions.dropFirst()).allSatisfy { $0 < $1 }, "positions must ascend")
        let target = newRope ?? rope
        for channel in channels {
            /// One rotation per slot from (rope, old position) to (target, new position).
            func transitions(from rope: RotaryEmbedding, to target: RotaryEmbedding) -> [(cos: [Float], sin: [Float])] {
                (0..<count).map { slot in
                    target.transition(from: rope, position: channel.keyPosition(positions[slot]), to: channel.keyPosition(newPositions[slot]))
                }
            }
            let global = transitions(from: rope, to: target)
            // A hybrid model's sliding layers keep their own (static) RoPE: their keys only move.
            let sliding = slidingKeyRope.map { transitions(from: $0.rope, to: $0.rope) }
            for layer in 0..<layerCount {
                let isSliding = slidingKeyRope.map { layer < $0.isSliding.count && $0.isSliding[layer] } ?? false
                let transitions = isSliding ? sliding ?? global : global
                let target = isSliding ? slidingKeyRope?.rope ?? target : target
                for head in 0..<kvHeadCount {
                    let base = keyBase(layer: layer, head: head, channel: channel)
                    for slot in 0..<count {
                        target.apply(base + slot * headDim, cos: transitions[slot].cos, sin: transitions[slot].sin)
                    }
                }
            }
        }
        let shift = (newPositions.last ?? 0) - (positions.last ?? 0)
        replacePositions(newPositions, nextPosition: nextPosition + shift)
    }

    /// Re-rotates every key from one RoPE table to another at unchanged positions (dynamic NTK and
    /// LongRoPE change their frequencies as the sequence grows).
    public func rerotateKeys(from old: RotaryEmbedding, to new: RotaryEmbedding) {
        moveKeys(to: positions, rope: old, newRope: new)
    }
}
