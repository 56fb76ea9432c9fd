/// `scheduler/scheduler_config.json`. Every field is optional: each scheduler class applies
/// its own defaults, so the sampling layer decides what a missing key means.
public struct SchedulerConfig: Codable, Equatable, Sendable {
    public var className: String?
    public var numTrainTimesteps: Int?
    public var betaStart: Double?
    public var betaEnd: Double?
    public var betaSchedule: String?
    public var trainedBetas: [Double]?
    /// "epsilon", "v_prediction" or "sample".
    public var predictionType: String?
    public var stepsOffset: Int?
    public var setAlphaToOne: Bool?
    public var clipSample: Bool?
    public var clipSampleRange: Double?
    public var skipPrkSteps: Bool?
    public var timestepSpacing: String?
    public var rescaleBetasZeroSnr: Bool?
    public var thresholding: Bool?
    public var dynamicThresholdingRatio: Double?
    public var sampleMaxValue: Double?
    public var varianceType: String?
    public var useKarrasSigmas: Bool?
    public var interpolationType: String?
    public var timestepType: String?
    public var algorithmType: String?
    public var solverOrder: Int?
    public var solverType: String?
    public var lowerOrderFinal: Bool?
    public var finalSigmasType: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case className = "_class_name", numTrainTimesteps = "num_train_timesteps", betaStart = "beta_start"
        case betaEnd = "beta_end", betaSchedule = "beta_schedule", trainedBetas = "trained_betas"
        case predictionType = "prediction_type", stepsOffset = "steps_offset", setAlphaToOne = "set_alpha_to_one"
        case clipSample = "clip_sample", clipSampleRange = "clip_sample_range", skipPrkSteps = "skip_prk_steps"
        case timestepSpacing = "timestep_spacing", rescaleBetasZeroSnr = "rescale_betas_zero_snr"
        case thresholding, dynamicThresholdingRatio = "dynamic_thresholding_ratio"
        case sampleMaxValue = "sample_max_value", varianceType = "variance_type"
        case useKarrasSigmas = "use_karras_sigmas", interpolationType = "interpolation_type"
        case timestepType = "timestep_type", algorithmType = "algorithm_type", solverOrder = "solver_order"
        case solverType = "solver_type", lowerOrderFinal = "lower_order_final"
        case finalSigmasType = "final_sigmas_type"
    }
}
