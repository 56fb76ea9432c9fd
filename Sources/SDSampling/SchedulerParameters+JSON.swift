import Foundation

extension SchedulerParameters: Decodable {
    private enum Key: String, CodingKey {
        case numTrainTimesteps = "num_train_timesteps", betaStart = "beta_start"
        case betaEnd = "beta_end", betaSchedule = "beta_schedule", trainedBetas = "trained_betas"
        case predictionType = "prediction_type", stepsOffset = "steps_offset"
        case timestepSpacing = "timestep_spacing", setAlphaToOne = "set_alpha_to_one"
        case clipSample = "clip_sample", clipSampleRange = "clip_sample_range"
        case thresholding, rescaleBetasZeroSnr = "rescale_betas_zero_snr"
        case skipPrkSteps = "skip_prk_steps", useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas", useBetaSigmas = "use_beta_sigmas"
        case useLuLambdas = "use_lu_lambdas", useFlowSigmas = "use_flow_sigmas"
        case interpolationType = "interpolation_type", timestepType = "timestep_type"
        case finalSigmasType = "final_sigmas_type", sigmaMin = "sigma_min", sigmaMax = "sigma_max"
        case solverOrder = "solver_order", algorithmType = "algorithm_type"
        case solverType = "solver_type", lowerOrderFinal = "lower_order_final"
        case eulerAtFinal = "euler_at_final", lambdaMinClipped = "lambda_min_clipped"
        case predictX0 = "predict_x0", disableCorrector = "disable_corrector"
        case varianceType = "variance_type", originalInferenceSteps = "original_inference_steps"
        case timestepScaling = "timestep_scaling", eta
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        func value<T: Decodable>(_ key: Key) throws -> T? {
            try c.decodeIfPresent(T.self, forKey: key)
        }
        func choice<T: RawRepresentable>(_ key: Key) throws -> T? where T.RawValue == String {
            guard let raw = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let parsed = T(rawValue: raw) else {
                throw SchedulerError.invalidValue(option: key.rawValue, value: raw, reason: "not a diffusers value")
            }
            return parsed
        }
        self.init(
            numTrainTimesteps: try value(.numTrainTimesteps), betaStart: try value(.betaStart),
            betaEnd: try value(.betaEnd), betaSchedule: try choice(.betaSchedule),
            trainedBetas: try value(.trainedBetas), predictionType: try choice(.predictionType),
            stepsOffset: try value(.stepsOffset), timestepSpacing: try choice(.timestepSpacing),
            setAlphaToOne: try value(.setAlphaToOne), clipSample: try value(.clipSample),
            clipSampleRange: try value(.clipSampleRange), thresholding: try value(.thresholding),
            rescaleBetasZeroSnr: try value(.rescaleBetasZeroSnr), skipPrkSteps: try value(.skipPrkSteps),
            useKarrasSigmas: try value(.useKarrasSigmas),
            useExponentialSigmas: try value(.useExponentialSigmas),
            useBetaSigmas: try value(.useBetaSigmas), useLuLambdas: try value(.useLuLambdas),
            useFlowSigmas: try value(.useFlowSigmas), interpolationType: try choice(.interpolationType),
            timestepType: try choice(.timestepType), finalSigmasType: try choice(.finalSigmasType),
            sigmaMin: try value(.sigmaMin), sigmaMax: try value(.sigmaMax),
            solverOrder: try value(.solverOrder), algorithmType: try choice(.algorithmType),
            solverType: try choice(.solverType), lowerOrderFinal: try value(.lowerOrderFinal),
            eulerAtFinal: try value(.eulerAtFinal), lambdaMinClipped: try value(.lambdaMinClipped),
            predictX0: try value(.predictX0), disableCorrector: try value(.disableCorrector),
            varianceType: try choice(.varianceType),
            originalInferenceSteps: try value(.originalInferenceSteps),
            timestepScaling: try value(.timestepScaling), eta: try value(.eta))
    }

    /// Decodes a diffusers `scheduler_config.json`. Python's `json` writes `-inf` as a bare
    /// `-Infinity` (e.g. `lambda_min_clipped`), which is not JSON; such tokens are accepted here.
    public init(json data: Data) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        self = try decoder.decode(SchedulerParameters.self, from: Self.quotingNonFiniteNumbers(data))
    }

    /// Puts quotes around bare `Infinity`, `-Infinity` and `NaN` tokens outside strings.
    private static func quotingNonFiniteNumbers(_ data: Data) -> Data {
        let bytes = [UInt8](data)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 16)
        var inString = false
        var escaped = false
        var i = 0
        let tokens: [[UInt8]] = [Array("-Infinity".utf8), Array("Infinity".utf8), Array("NaN".utf8)]
        while i < bytes.count {
            let byte = bytes[i]
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = true
                out.append(byte)
                i += 1
                continue
            }
            if let token = tokens.first(where: { bytes[i...].starts(with: $0) }) {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: token)
                out.append(UInt8(ascii: "\""))
                i += token.count
                continue
            }
            out.append(byte)
            i += 1
        }
        return Data(out)
    }
}
