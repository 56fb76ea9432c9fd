/// A diffusers config value that may be a scalar or a per-block list (`attention_head_dim: 8`
/// or `[5, 10, 20, 20]`, `only_cross_attention: false` or `[true, ...]`).
public enum OneOrMany<Value: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    case one(Value)
    case many([Value])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let list = try? container.decode([Value].self) {
            self = .many(list)
        } else {
            self = .one(try container.decode(Value.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .one(value): try container.encode(value)
        case let .many(values): try container.encode(values)
        }
    }

    /// One value per block: a scalar repeated, or the list itself (nil when its length differs).
    public func values(count: Int) -> [Value]? {
        switch self {
        case let .one(value): return Array(repeating: value, count: count)
        case let .many(values): return values.count == count ? values : nil
        }
    }
}
