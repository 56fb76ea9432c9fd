extension Scheduler {
    /// Initial txt2img latents: `torch.randn(shape, generator=g) * init_noise_sigma`, as the
    /// diffusers pipelines' `prepare_latents` draws them.
    public func initialLatents(count: Int, generator: inout TorchGenerator) -> [Float] {
        let sigma = initNoiseSigma
        return generator.randn(count).map { $0 * sigma }
    }

    /// The img2img starting point, as diffusers' `get_timesteps`: `strength` 1 starts from
    /// pure noise, smaller strengths skip the first `steps - int(steps * strength)` steps.
    /// Returns the first index into `timesteps` to run (noise the image to that index with
    /// `addNoise`). Throws when `strength` leaves no step to run.
    public func img2imgStartIndex(strength: Double) throws -> Int {
        guard !timesteps.isEmpty else { throw SchedulerError.timestepsNotSet(scheduler: name) }
        guard strength.isFinite, strength >= 0, strength <= 1 else {
            throw SchedulerError.invalidValue(option: "strength", value: "\(strength)", reason: "must be between 0 and 1")
        }
        let steps = numInferenceSteps
        let initTimestep = min(Int(Double(steps) * strength), steps)
        let start = max(steps - initTimestep, 0) * order
        guard initTimestep >= 1, start < timesteps.count else {
            throw SchedulerError.invalidValue(option: "strength", value: "\(strength)",
                                              reason: "leaves no denoising step with \(steps) steps")
        }
        return start
    }

    /// Runs the denoising loop from `startIndex` to the end of `timesteps`, asking `model` for
    /// the prediction at each scaled input and timestep (classifier-free guidance belongs in
    /// that closure). `afterStep` may replace the latents after the step at each index
    /// (inpainting with a normal model blends the original back there). Call `setTimesteps` first.
    public mutating func sample(
        latents: [Float], startIndex: Int = 0, generator: inout TorchGenerator?,
        model: (_ input: [Float], _ timestep: Double) throws -> [Float],
        afterStep: ((_ index: Int, _ latents: [Float]) throws -> [Float])? = nil
    ) throws -> [Float] {
        guard !timesteps.isEmpty else { throw SchedulerError.timestepsNotSet(scheduler: name) }
        guard startIndex >= 0, startIndex < timesteps.count else {
            throw SchedulerError.indexOutOfRange(index: startIndex, count: timesteps.count)
        }
        var x = latents
        for index in startIndex..<timesteps.count {
            let input = try scaleModelInput(x, timestepIndex: index)
            let output = try model(input, timesteps[index])
            x = try step(modelOutput: output, timestepIndex: index, sample: x, generator: &generator)
            if let afterStep { x = try afterStep(index, x) }
        }
        return x
    }
}
