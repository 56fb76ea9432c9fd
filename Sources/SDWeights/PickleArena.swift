/// Owns every container one unpickling creates and takes them apart without recursion:
/// a hostile pickle can nest a million tuples (or build cycles through the memo), and Swift
/// frees nested objects recursively, which would overflow the stack (or leak a cycle).
final class PickleArena {
    private var containers: [PickleContainer] = []

    func adopt<Container: PickleContainer>(_ container: Container) -> Container {
        containers.append(container)
        return container
    }

    deinit {
        // Every container is still retained here, so dropping children frees no container;
        // the array's release then frees each one with nothing left inside.
        for container in containers { container.dropChildren() }
    }
}
