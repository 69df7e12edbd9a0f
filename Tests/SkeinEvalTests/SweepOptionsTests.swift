import Testing
@testable import SkeinEval

/// `--lengths 1x,2x` and `--shard auto` (Slurm job arrays, Kubernetes Indexed Jobs).
@Suite struct SweepOptionsTests {
    @Test func lengthsTakeMultiplesOfTheTrainingLength() throws {
        #expect(try SweepOptions.lengths("1x,2x,4x", trainingLength: 256) == [256, 512, 1024])
        #expect(try SweepOptions.lengths("0.5x, 300", trainingLength: 256) == [128, 300])
        #expect { try SweepOptions.lengths("2y", trainingLength: 256) } throws: { "\($0)".contains("--lengths") && "\($0)".contains("2y") }
        #expect { try SweepOptions.lengths("0", trainingLength: 256) } throws: { "\($0)".contains("positive") }
    }

    @Test func slurmArraysGiveTheShard() throws {
        let zeroBased = ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]
        #expect(try SweepOptions.shard("auto", shards: nil, environment: zeroBased) == (3, 4))
        let oneBased = ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]
        #expect(try SweepOptions.shard("auto", shards: nil, environment: oneBased) == (4, 4))
        #expect { try SweepOptions.shard("auto", shards: nil, environment: ["SLURM_ARRAY_TASK_ID": "1"]) } throws: {
            "\($0)".contains("SLURM_ARRAY_TASK_COUNT")
        }
        let stepped = ["SLURM_ARRAY_TASK_ID": "8", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"]
        #expect { try SweepOptions.shard("auto", shards: nil, environment: stepped) } throws: { "\($0)".contains("contiguous") }
    }

    @Test func kubernetesIndexedJobsNeedTheShardCount() throws {
        #expect(try SweepOptions.shard("auto", shards: 3, environment: ["JOB_COMPLETION_INDEX": "0"]) == (1, 3))
        #expect(try SweepOptions.shard("auto", shards: 3, environment: ["JOB_COMPLETION_INDEX": "2"]) == (3, 3))
        #expect { try SweepOptions.shard("auto", shards: nil, environment: ["JOB_COMPLETION_INDEX": "0"]) } throws: {
            "\($0)".contains("--shards")
        }
        #expect { try SweepOptions.shard("auto", shards: 3, environment: ["JOB_COMPLETION_INDEX": "3"]) } throws: { "\($0)".contains("below") }
    }

    @Test func autoOutsideAJobArrayIsAClearError() {
        #expect { try SweepOptions.shard("auto", shards: nil, environment: [:]) } throws: { error in
            let text = "\(error)"
            return text.contains("SLURM_ARRAY_TASK_ID") && text.contains("JOB_COMPLETION_INDEX")
        }
    }

    @Test func explicitShardsStillParse() throws {
        #expect(try SweepOptions.shard("2/5", shards: nil, environment: [:]) == (2, 5))
        #expect(throws: EvalError.self) { try SweepOptions.shard("6/5", shards: nil, environment: [:]) }
    }
}
