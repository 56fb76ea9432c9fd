extension SamplerKind {
    /// Looks a sampler up by any of its names, ignoring case, spaces, `_` and `-`, and reading
    /// `+` as `p`: A1111 names ("DPM++ 2M Karras", "Euler a"), stable-diffusion.cpp names
    /// ("dpm++2m", "euler_a"), snake names ("dpmpp_2m_karras"), k-diffusion names ("k_euler_a")
    /// and diffusers class names ("EulerDiscreteScheduler").
    public init?(name: String) {
        guard let kind = Self.byNormalizedName[Self.normalized(name)] else { return nil }
        self = kind
    }

    /// Like `init?(name:)`, throwing `SchedulerError.unknownSampler` for an unknown name.
    public static func named(_ name: String) throws -> SamplerKind {
        guard let kind = SamplerKind(name: name) else { throw SchedulerError.unknownSampler(name: name) }
        return kind
    }

    /// Every name `init?(name:)` understands that is worth listing: A1111, snake and
    /// stable-diffusion.cpp names, in `allCases` order without duplicates.
    public static var allNames: [String] {
        var seen = Set<String>()
        return allCases.flatMap { [$0.displayName, $0.snakeName, $0.stableDiffusionCppName].compactMap { $0 } }
            .filter { seen.insert($0).inserted }
    }

    /// The `timestep_spacing` default of the diffusers class (used when the config lacks the
    /// key); `nil` for LCM, whose schedule comes from `original_inference_steps`.
    public var defaultTimestepSpacing: TimestepSpacing? {
        switch self {
        case .ddim, .plms, .pndm, .ddpm: return .leading
        case .lcm: return nil
        default: return .linspace
        }
    }

    private static func normalized(_ name: String) -> String {
        String(name.lowercased().replacingOccurrences(of: "+", with: "p").filter { !" _-".contains($0) })
    }

    private static let aliases: [String: SamplerKind] = [
        "k_euler": .euler, "k_euler_a": .eulerAncestral, "k_lms": .lms, "k_heun": .heun,
        "k_dpm_2": .dpm2, "k_dpm_2_a": .dpm2Ancestral, "euler_ancestral": .eulerAncestral,
        "dpm_2": .dpm2, "dpm_2_a": .dpm2Ancestral, "dpm_solver++": .dpmpp2m,
    ]

    private static let byNormalizedName: [String: SamplerKind] = {
        var table: [String: SamplerKind] = [:]
        for kind in allCases.reversed() {
            table[normalized(kind.diffusersClassName)] = kind
        }
        for kind in allCases {
            for name in [kind.displayName, kind.snakeName, kind.stableDiffusionCppName].compactMap({ $0 }) {
                table[normalized(name)] = kind
            }
        }
        for (alias, kind) in aliases { table[normalized(alias)] = kind }
        return table
    }()
}
