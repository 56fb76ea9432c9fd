extension Scheduler {
    /// Throws unless `setTimesteps` has run and `index` lies in the schedule.
    func checkIndex(_ index: Int) throws {
        guard !timesteps.isEmpty else { throw SchedulerError.timestepsNotSet(scheduler: name) }
        guard timesteps.indices.contains(index) else {
            throw SchedulerError.indexOutOfRange(index: index, count: timesteps.count)
        }
    }

    /// Throws unless the two latent arrays have the same number of values.
    func checkSizes(_ a: [Float], _ b: [Float]) throws {
        guard a.count == b.count else { throw SchedulerError.sizeMismatch(expected: a.count, actual: b.count) }
    }

    /// The noise for a stochastic step: `torch.randn(shape, generator=g)` of the latents' size.
    func drawNoise(count: Int, generator: inout TorchGenerator?) throws -> [Float] {
        guard var g = generator else { throw SchedulerError.generatorRequired(scheduler: name) }
        let noise = g.randn(count)
        generator = g
        return noise
    }
}
