/// The globals a torch checkpoint may reference. Anything else is refused when the GLOBAL
/// opcode is read, so no name from a file is ever resolved to executable code.
public enum PickleGlobal: Sendable {
    case orderedDict
    case set
    /// `_codecs.encode(text, "latin1")`: how protocols 0-2 write bytes.
    case codecsEncode
    case rebuildTensorV2
    case rebuildTensor
    case rebuildParameter
    case rebuildParameterWithState
    case rebuildFromTypeV2
    /// `torch.Tensor` / `torch.nn.parameter.Parameter` as the type argument of `_rebuild_from_type_v2`.
    case tensorType
    case storageType(StorageType)
    /// A harmless class or function whose result is kept as an opaque record.
    case opaque(String)

    /// Resolves `module.name`, or nil when it is not on the whitelist.
    public static func resolve(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("builtins", "set"), ("__builtin__", "set"): return .set
        case ("_codecs", "encode"): return .codecsEncode
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): return .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("torch._tensor", "_rebuild_from_type_v2"): return .rebuildFromTypeV2
        case ("torch", "Tensor"), ("torch.nn.parameter", "Parameter"): return .tensorType
        default: break
        }
        if module == "torch", let type = StorageType(torchStorageName: name) { return .storageType(type) }
        if module == "torch", PickleGlobal.torchConstants.contains(name) { return .opaque("torch.\(name)") }
        if PickleGlobal.opaqueGlobals.contains("\(module).\(name)") { return .opaque("\(module).\(name)") }
        // Training-framework classes stored next to the weights (callbacks, their state enums).
        for prefix in ["pytorch_lightning.", "lightning.", "lightning_fabric."]
        where "\(module).".hasPrefix(prefix) && !name.hasPrefix("_") {
            return .opaque("\(module).\(name)")
        }
        return nil
    }

    /// dtype and layout constants (values only, nothing callable is reached through them).
    static let torchConstants: Set<String> = [
        "float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool",
        "float", "half", "double", "long", "int", "Size", "device",
    ]

    /// Classes found in the non-weight entries of published SD checkpoints (the same list that
    /// AUTOMATIC1111's safe unpickler accepts, minus anything that could run code).
    static let opaqueGlobals: Set<String> = [
        "torch.nn.modules.container.ParameterDict",
        "numpy.core.multiarray.scalar", "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray.scalar", "numpy._core.multiarray._reconstruct",
        "numpy.dtype", "numpy.ndarray",
    ]
}
