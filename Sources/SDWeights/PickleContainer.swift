/// A pickled object that holds other values (tuple, list, dict, opaque instance).
protocol PickleContainer: AnyObject {
    /// Releases the children so the container can be freed without recursing into them.
    func dropChildren()
}
