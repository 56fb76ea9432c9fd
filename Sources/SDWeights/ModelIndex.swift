/// `model_index.json` of a diffusers pipeline folder: the pipeline class and, per component
/// folder, the `[library, class]` pair (`[null, null]` for components left out).
public struct ModelIndex: Decodable, Equatable, Sendable {
    public struct Component: Equatable, Sendable {
        public var library: String?
        public var className: String?
    }

    public var className: String?
    public var components: [String: Component] = [:]
    public var requiresSafetyChecker: Bool?
    /// Pipeline option of the x4 upscaler.
    public var maxNoiseLevel: Int?

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        for key in c.allKeys {
            switch key.stringValue {
            case "_class_name": className = try c.decodeIfPresent(String.self, forKey: key)
            case "requires_safety_checker": requiresSafetyChecker = try? c.decode(Bool.self, forKey: key)
            case "max_noise_level": maxNoiseLevel = try? c.decode(Int.self, forKey: key)
            default:
                if key.stringValue.hasPrefix("_") { continue }
                if let pair = try? c.decode([String?].self, forKey: key), pair.count == 2 {
                    components[key.stringValue] = Component(library: pair[0], className: pair[1])
                }
            }
        }
    }
}
