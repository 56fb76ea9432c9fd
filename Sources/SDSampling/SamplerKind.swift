/// The samplers the `sd` tool offers, each a diffusers scheduler class plus the config
/// overrides that select the variant (Karras sigmas, SDE, PLMS).
public enum SamplerKind: String, CaseIterable, Sendable {
    case ddim
    case pndm
    case plms
    case euler
    case eulerKarras = "euler_karras"
    case eulerAncestral = "euler_a"
    case lms
    case lmsKarras = "lms_karras"
    case heun
    case heunKarras = "heun_karras"
    case dpm2
    case dpm2Karras = "dpm2_karras"
    case dpm2Ancestral = "dpm2_a"
    case dpm2AncestralKarras = "dpm2_a_karras"
    case dpmpp2m = "dpmpp_2m"
    case dpmpp2mKarras = "dpmpp_2m_karras"
    case dpmpp2mSDE = "dpmpp_2m_sde"
    case dpmpp2mSDEKarras = "dpmpp_2m_sde_karras"
    case unipc
    case ddpm
    case lcm

    /// The snake_case name (the raw value), e.g. `dpmpp_2m_karras`.
    public var snakeName: String { rawValue }

    /// The AUTOMATIC1111 web UI name, e.g. "DPM++ 2M Karras".
    public var displayName: String {
        switch self {
        case .ddim: return "DDIM"
        case .plms: return "PLMS"
        case .pndm: return "PNDM"
        case .euler: return "Euler"
        case .eulerKarras: return "Euler Karras"
        case .eulerAncestral: return "Euler a"
        case .lms: return "LMS"
        case .lmsKarras: return "LMS Karras"
        case .heun: return "Heun"
        case .heunKarras: return "Heun Karras"
        case .dpm2: return "DPM2"
        case .dpm2Karras: return "DPM2 Karras"
        case .dpm2Ancestral: return "DPM2 a"
        case .dpm2AncestralKarras: return "DPM2 a Karras"
        case .dpmpp2m: return "DPM++ 2M"
        case .dpmpp2mKarras: return "DPM++ 2M Karras"
        case .dpmpp2mSDE: return "DPM++ 2M SDE"
        case .dpmpp2mSDEKarras: return "DPM++ 2M SDE Karras"
        case .unipc: return "UniPC"
        case .ddpm: return "DDPM"
        case .lcm: return "LCM"
        }
    }

    /// The stable-diffusion.cpp `--sampling-method` name where it has one.
    public var stableDiffusionCppName: String? {
        switch self {
        case .ddim: return "ddim"
        case .euler: return "euler"
        case .eulerAncestral: return "euler_a"
        case .lms: return "lms"
        case .heun: return "heun"
        case .dpm2: return "dpm2"
        case .dpmpp2m: return "dpm++2m"
        case .ddpm: return "ddpm"
        case .lcm: return "lcm"
        default: return nil
        }
    }

    /// The diffusers scheduler class that implements this sampler.
    public var diffusersClassName: String {
        switch self {
        case .ddim: return "DDIMScheduler"
        case .plms, .pndm: return "PNDMScheduler"
        case .euler, .eulerKarras: return "EulerDiscreteScheduler"
        case .eulerAncestral: return "EulerAncestralDiscreteScheduler"
        case .lms, .lmsKarras: return "LMSDiscreteScheduler"
        case .heun, .heunKarras: return "HeunDiscreteScheduler"
        case .dpm2, .dpm2Karras: return "KDPM2DiscreteScheduler"
        case .dpm2Ancestral, .dpm2AncestralKarras: return "KDPM2AncestralDiscreteScheduler"
        case .dpmpp2m, .dpmpp2mKarras, .dpmpp2mSDE, .dpmpp2mSDEKarras: return "DPMSolverMultistepScheduler"
        case .unipc: return "UniPCMultistepScheduler"
        case .ddpm: return "DDPMScheduler"
        case .lcm: return "LCMScheduler"
        }
    }

    /// The config keys this sampler forces, as the `**kwargs` of diffusers' `from_config`.
    public var overrides: SchedulerParameters {
        switch self {
        case .plms: return SchedulerParameters(skipPrkSteps: true)
        case .eulerKarras, .lmsKarras, .heunKarras, .dpm2Karras, .dpm2AncestralKarras:
            return SchedulerParameters(useKarrasSigmas: true)
        case .dpmpp2m: return SchedulerParameters(useKarrasSigmas: false, algorithmType: .dpmSolverPlusPlus)
        case .dpmpp2mKarras: return SchedulerParameters(useKarrasSigmas: true, algorithmType: .dpmSolverPlusPlus)
        case .dpmpp2mSDE: return SchedulerParameters(useKarrasSigmas: false, algorithmType: .sdeDPMSolverPlusPlus)
        case .dpmpp2mSDEKarras:
            return SchedulerParameters(useKarrasSigmas: true, algorithmType: .sdeDPMSolverPlusPlus)
        case .euler, .lms, .heun, .dpm2, .dpm2Ancestral:
            return SchedulerParameters(useKarrasSigmas: false)
        case .ddim, .pndm, .eulerAncestral, .unipc, .ddpm, .lcm:
            return SchedulerParameters()
        }
    }

    /// The scheduler for a model's `scheduler_config.json` parameters with this sampler's
    /// overrides applied; keys the config lacks take the scheduler class's defaults.
    public func makeScheduler(parameters: SchedulerParameters) throws -> any Scheduler {
        let p = parameters.overridden(by: overrides)
        switch self {
        case .ddim: return try DDIMScheduler(parameters: p)
        case .plms, .pndm: return try PNDMScheduler(parameters: p)
        case .euler, .eulerKarras: return try EulerDiscreteScheduler(parameters: p)
        case .eulerAncestral: return try EulerAncestralDiscreteScheduler(parameters: p)
        case .lms, .lmsKarras: return try LMSDiscreteScheduler(parameters: p)
        case .heun, .heunKarras: return try HeunDiscreteScheduler(parameters: p)
        case .dpm2, .dpm2Karras: return try KDPM2DiscreteScheduler(parameters: p)
        case .dpm2Ancestral, .dpm2AncestralKarras: return try KDPM2AncestralDiscreteScheduler(parameters: p)
        case .dpmpp2m, .dpmpp2mKarras, .dpmpp2mSDE, .dpmpp2mSDEKarras:
            return try DPMSolverMultistepScheduler(parameters: p)
        case .unipc: return try UniPCMultistepScheduler(parameters: p)
        case .ddpm: return try DDPMScheduler(parameters: p)
        case .lcm: return try LCMScheduler(parameters: p)
        }
    }
}
