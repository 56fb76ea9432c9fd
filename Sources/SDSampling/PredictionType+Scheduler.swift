extension PredictionType {
    /// Throws unless `self` is one of the prediction types a scheduler implements.
    func require(_ supported: [PredictionType], scheduler: String) throws -> PredictionType {
        guard supported.contains(self) else {
            throw SchedulerError.unsupportedOption(scheduler: scheduler, option: "prediction_type", value: rawValue)
        }
        return self
    }
}
