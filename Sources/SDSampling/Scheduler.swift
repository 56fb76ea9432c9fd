/// A diffusion sampler with the calling convention of a diffusers scheduler.
///
/// Latents are flat float32 arrays in NCHW order. A sampling run is
/// `setTimesteps(n)`, then for each index `i` of `timesteps`:
/// `input = scaleModelInput(x, timestepIndex: i)`, `out = model(input, timesteps[i])`,
/// `x = step(modelOutput: out, timestepIndex: i, sample: x, generator: &g)`
/// (`sample(latents:...)` runs that loop). The index is the position in `timesteps`, which is
/// what diffusers' internal step index is once `set_begin_index` has been called; second-order
/// samplers (Heun, DPM2) list each intermediate timestep, so `timesteps.count` can exceed the
/// step count.
public protocol Scheduler: Sendable {
    /// The diffusers class this reproduces, e.g. "EulerDiscreteScheduler".
    var name: String { get }
    /// Model evaluations per step (diffusers' `order`): 2 for Heun and DPM2, otherwise 1.
    var order: Int { get }
    /// The step count passed to the last `setTimesteps`.
    var numInferenceSteps: Int { get }
    /// The timestep to give the model at each index (integers or float32 values, as diffusers).
    var timesteps: [Double] { get }
    /// The noise level at each index plus the final one, for sigma-based samplers; empty otherwise.
    var sigmas: [Float] { get }
    /// What unit-variance initial noise is multiplied by (`init_noise_sigma`).
    var initNoiseSigma: Float { get }
    /// Whether `step` draws noise from the generator.
    var isStochastic: Bool { get }

    /// Builds the schedule for `steps` denoising steps and clears any multistep history.
    mutating func setTimesteps(_ steps: Int) throws
    /// The model input for the latents at `timestepIndex` (`scale_model_input`).
    func scaleModelInput(_ sample: [Float], timestepIndex: Int) throws -> [Float]
    /// One denoising step from the model's output at `timestepIndex`.
    mutating func step(modelOutput: [Float], timestepIndex: Int, sample: [Float],
                       generator: inout TorchGenerator?) throws -> [Float]
    /// Clean latents noised to the level of `timestepIndex` (`add_noise`, for img2img).
    func addNoise(original: [Float], noise: [Float], timestepIndex: Int) throws -> [Float]
}
