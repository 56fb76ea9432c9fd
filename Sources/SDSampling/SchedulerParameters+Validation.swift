extension SchedulerParameters {
    /// Throws if a diffusers option this package does not implement is switched on.
    /// Only the options the scheduler's diffusers class has are checked; others are ignored,
    /// as `from_config` ignores them.
    func reject(_ options: [KeyPath<SchedulerParameters, Bool?>], scheduler: String) throws {
        let names: [KeyPath<SchedulerParameters, Bool?>: String] = [
            \.thresholding: "thresholding", \.useExponentialSigmas: "use_exponential_sigmas",
            \.useBetaSigmas: "use_beta_sigmas", \.useLuLambdas: "use_lu_lambdas",
            \.useFlowSigmas: "use_flow_sigmas",
        ]
        for option in options where self[keyPath: option] == true {
            throw SchedulerError.unsupportedOption(scheduler: scheduler, option: names[option] ?? "option", value: "true")
        }
    }

    /// `steps_offset`, bounded so timestep arithmetic cannot overflow.
    func checkedStepsOffset() throws -> Int {
        let offset = stepsOffset ?? 0
        guard abs(offset) <= 1_000_000 else {
            throw SchedulerError.invalidValue(option: "steps_offset", value: "\(offset)", reason: "out of range")
        }
        return offset
    }

    /// A configured Karras `sigma_min` / `sigma_max`, which must be positive and finite.
    func checkedSigma(_ key: KeyPath<SchedulerParameters, Double?>, option: String) throws -> Double? {
        guard let value = self[keyPath: key] else { return nil }
        guard value.isFinite, value > 0 else {
            throw SchedulerError.invalidValue(option: option, value: "\(value)", reason: "must be a positive number")
        }
        return value
    }
}
