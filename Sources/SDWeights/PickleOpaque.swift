/// An instance of a tolerated but irrelevant class (Lightning callbacks, numpy scalars): the
/// type name is kept for diagnostics, its state is recorded and never acted upon.
public final class PickleOpaque {
    public let typeName: String
    public let arguments: [PickleValue]
    public var state: PickleValue?

    public init(typeName: String, arguments: [PickleValue]) {
        self.typeName = typeName
        self.arguments = arguments
    }
}
