/// An instance of a tolerated but irrelevant class (Lightning callbacks, numpy scalars): the
/// type name is kept for diagnostics, its state is recorded and never acted upon.
public final class PickleOpaque: PickleContainer {
    public let typeName: String
    public private(set) var arguments: [PickleValue]
    public internal(set) var state: PickleValue?

    init(typeName: String, arguments: [PickleValue]) {
        self.typeName = typeName
        self.arguments = arguments
    }

    func dropChildren() {
        arguments = []
        state = nil
    }
}
