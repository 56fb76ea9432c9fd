/// A value built by the restricted unpickler. Only data is represented: whitelisted globals
/// become inert markers and instances of tolerated classes become `opaque` records.
public indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// Integers wider than 64 bits, as decimal text.
    case bigInt(String)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(TorchStorageRef)
    case tensor(TorchTensorRef)
    /// An instance of a tolerated class (e.g. a Lightning callback); never inspected further.
    case opaque(PickleOpaque)

    public var intValue: Int? {
        switch self {
        case let .int(value): return value
        case let .bool(value): return value ? 1 : 0
        default: return nil
        }
    }

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// Elements of a tuple or list.
    public var sequence: [PickleValue]? {
        switch self {
        case let .tuple(tuple): return tuple.items
        case let .list(list): return list.items
        default: return nil
        }
    }
}
