/// A parsed YAML node (the subset LDM configs use: block mappings and sequences, flow
/// sequences and mappings, plain and quoted scalars, comments).
public indirect enum YAMLValue: Equatable, Sendable {
    case scalar(String)
    case sequence([YAMLValue])
    case mapping([String: YAMLValue])
    case null

    public subscript(key: String) -> YAMLValue? {
        if case let .mapping(map) = self { return map[key] }
        return nil
    }

    /// Follows a dotted path of mapping keys (`model.params.unet_config.params`).
    public func at(_ path: String) -> YAMLValue? {
        var node: YAMLValue? = self
        for key in path.split(separator: ".") { node = node?[String(key)] }
        return node
    }

    public var string: String? {
        if case let .scalar(text) = self { return text }
        return nil
    }

    public var int: Int? { string.flatMap { Int($0) } }

    public var double: Double? { string.flatMap { Double($0) } }

    public var bool: Bool? {
        switch string?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    public var array: [YAMLValue]? {
        if case let .sequence(items) = self { return items }
        return nil
    }

    public var ints: [Int]? {
        guard let items = array else { return nil }
        let values = items.compactMap(\.int)
        return values.count == items.count ? values : nil
    }
}
