import Foundation

/// A PyTorch checkpoint (`.ckpt`, `.pt`, `.pth`, `.bin`), in torch's zip format or the legacy
/// pickle stream: the pickle is read with the restricted `Unpickler`, and each tensor points
/// into its storage bytes in the memory-mapped file (strided views are copied into dense buffers).
public final class TorchCheckpointFile: @unchecked Sendable {
    public let url: URL
    /// Tensor names in pickle order.
    public let names: [String]
    public let tensors: [String: StoredTensor]
    /// Scalar top-level entries (`epoch`, `global_step`, ...) rendered as text.
    public let metadata: [String: String]
    let file: MappedFile

    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let file = try MappedFile(url: url)
        self.file = file
        let document: PickleDocument
        let storages: (String) throws -> UnsafeRawBufferPointer
        if ZipArchive.looksLikeZip(file) {
            (document, storages) = try TorchCheckpointFile.readZip(file, path: path)
        } else if file.count >= 2, file.bytes[0] == 0x80 {
            (document, storages) = try TorchCheckpointFile.readLegacy(file, path: path)
        } else {
            throw WeightsError.unsupportedModel(path: path, detail: "neither a torch zip checkpoint nor a legacy torch pickle")
        }
        (names, tensors, metadata) = try withExtendedLifetime(document) {
            try TorchCheckpointFile.stateDict(document.value, storages: storages, owner: file, path: path)
        }
    }

    /// Finds the state dict in the unpickled object and materialises its tensors.
    static func stateDict(_ value: PickleValue, storages: (String) throws -> UnsafeRawBufferPointer, owner: MappedFile,
                          path: String) throws -> ([String], [String: StoredTensor], [String: String]) {
        var root = value
        var metadata: [String: String] = [:]
        if case let .dict(top) = root {
            for (key, value) in top.entries {
                guard let name = key.stringValue else { continue }
                switch value {
                case let .int(number): metadata[name] = String(number)
                case let .float(number): metadata[name] = String(number)
                case let .string(text): metadata[name] = text
                default: break
                }
            }
        }
        // Lightning checkpoints wrap the weights: {"state_dict": {...}, "epoch": ..., "callbacks": ...}.
        while case let .dict(dict) = root, let inner = dict["state_dict"], case .dict = inner {
            root = inner
        }
        guard case let .dict(stateDict) = root else {
            throw WeightsError.unsupportedModel(path: path, detail: "checkpoint does not contain a state dict")
        }

        var storageBytes: [String: UnsafeRawBufferPointer] = [:]
        var names: [String] = []
        var tensors: [String: StoredTensor] = [:]
        for (key, value) in stateDict.entries {
            guard let name = key.stringValue, case let .tensor(ref) = value else { continue }
            let storage: UnsafeRawBufferPointer
            if let cached = storageBytes[ref.storage.key] {
                storage = cached
            } else {
                storage = try storages(ref.storage.key)
                storageBytes[ref.storage.key] = storage
            }
            let tensor = try TorchCheckpointFile.materialize(ref, name: name, storage: storage, owner: owner, path: path)
            if tensors[name] == nil { names.append(name) }
            tensors[name] = tensor
        }
        return (names, tensors, metadata)
    }

    /// torch >= 1.6: a zip with `<archive>/data.pkl` and one stored member `<archive>/data/<key>` per storage.
    static func readZip(_ file: MappedFile, path: String)
        throws -> (PickleDocument, (String) throws -> UnsafeRawBufferPointer) {
        let archive = try ZipArchive(file: file)
        guard let pickleName = archive.names.first(where: { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }),
              let pickleEntry = archive.entries[pickleName] else {
            throw WeightsError.malformedZip(path: path, detail: "no data.pkl member")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        let unpickler = Unpickler(data: try archive.contents(of: pickleEntry), path: path) { id in
            .storage(try TorchCheckpointFile.storage(fromPersistentID: id, path: path))
        }
        let document = try unpickler.load()
        return (document, { key in
            guard let entry = archive.entries[prefix + "data/" + key] else {
                throw WeightsError.malformedZip(path: path, detail: "storage member 'data/\(key)' is missing")
            }
            return try archive.contents(of: entry)
        })
    }

    /// Magic number of torch's legacy format (0x1950a86a20f9469cfc6c).
    static let legacyMagic = "119547037146038801333356"

    /// torch < 1.6 (or `_use_new_zipfile_serialization=False`): consecutive pickles (magic
    /// number, protocol version, system info, the object, the storage keys), then each
    /// storage as a little-endian u64 element count followed by its bytes.
    static func readLegacy(_ file: MappedFile, path: String)
        throws -> (PickleDocument, (String) throws -> UnsafeRawBufferPointer) {
        let raw = file.bytes
        final class Seen { var storages: [String: TorchStorageRef] = [:] }
        let seen = Seen()
        let unpickler = Unpickler(data: raw, path: path) { id in
            if let items = id.sequence, items.count >= 6, case .tuple = items[5] {
                throw WeightsError.malformedPickle(path: path, detail: "legacy storage views are not supported")
            }
            let ref = try TorchCheckpointFile.storage(fromPersistentID: id, path: path)
            seen.storages[ref.key] = ref
            return .storage(ref)
        }
        let magic = try unpickler.load(from: 0)
        guard case let .bigInt(number) = magic.value, number == legacyMagic else {
            throw WeightsError.unsupportedModel(path: path, detail: "pickle file is not a torch checkpoint (wrong magic number)")
        }
        let version = try unpickler.load(from: magic.end)
        guard version.value.intValue == 1001 else {
            throw WeightsError.unsupportedModel(path: path, detail: "unknown legacy torch protocol version")
        }
        let systemInfo = try unpickler.load(from: version.end)
        if case let .dict(info) = systemInfo.value, case let .bool(little)? = info["little_endian"], !little {
            throw WeightsError.unsupportedModel(path: path, detail: "big-endian legacy checkpoint")
        }
        let root = try unpickler.load(from: systemInfo.end)
        let keyList = try unpickler.load(from: root.end)
        guard let keys = keyList.value.sequence?.compactMap(\.stringValue) else {
            throw WeightsError.malformedPickle(path: path, detail: "legacy storage key list missing")
        }
        var blobs: [String: UnsafeRawBufferPointer] = [:]
        var position = keyList.end
        for key in keys {
            guard let ref = seen.storages[key] else {
                throw WeightsError.malformedPickle(path: path, detail: "legacy storage '\(key)' is not referenced")
            }
            guard position + 8 <= raw.count else {
                throw WeightsError.truncated(path: path, detail: "legacy storage '\(key)' header past end of file")
            }
            let count = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            guard count <= UInt64(raw.count), Int(count) * ref.dtype.size <= raw.count - position - 8 else {
                throw WeightsError.truncated(path: path, detail: "legacy storage '\(key)' extends past end of file")
            }
            let length = Int(count) * ref.dtype.size
            blobs[key] = UnsafeRawBufferPointer(rebasing: raw[(position + 8)..<(position + 8 + length)])
            position += 8 + length
        }
        return (root, { key in
            guard let blob = blobs[key] else {
                throw WeightsError.malformedPickle(path: path, detail: "legacy storage '\(key)' has no data")
            }
            return blob
        })
    }

    /// Parses torch's persistent id `('storage', <storage class>, key, location, numel)`.
    static func storage(fromPersistentID id: PickleValue, path: String) throws -> TorchStorageRef {
        guard let items = id.sequence, items.count >= 5, items[0].stringValue == "storage" else {
            throw WeightsError.malformedPickle(path: path, detail: "unsupported persistent id (only tensor storages are allowed)")
        }
        guard case let .global(.storageType(dtype)) = items[1] else {
            throw WeightsError.malformedPickle(path: path, detail: "persistent id names no known torch storage type")
        }
        let key: String
        if let text = items[2].stringValue {
            key = text
        } else if let number = items[2].intValue {
            key = String(number)
        } else {
            throw WeightsError.malformedPickle(path: path, detail: "storage key is not a string")
        }
        guard let count = items[4].intValue, count >= 0 else {
            throw WeightsError.malformedPickle(path: path, detail: "storage '\(key)' has no element count")
        }
        return TorchStorageRef(key: key, dtype: dtype, count: count)
    }

    /// Checks the view against its storage and returns it zero-copy when dense, else a dense copy.
    static func materialize(_ ref: TorchTensorRef, name: String, storage: UnsafeRawBufferPointer,
                            owner: AnyObject, path: String) throws -> StoredTensor {
        let dtype = ref.storage.dtype
        let size = dtype.size
        let (declaredBytes, tooLarge) = ref.storage.count.multipliedReportingOverflow(by: size)
        guard !tooLarge, storage.count >= declaredBytes else {
            throw WeightsError.sizeMismatch(path: path, tensor: name, expectedBytes: tooLarge ? Int.max : declaredBytes,
                                            actualBytes: storage.count)
        }
        let available = ref.storage.count
        guard let count = StoredTensor.elementCount(ref.shape),
              !count.multipliedReportingOverflow(by: size).overflow else {
            throw WeightsError.malformedPickle(path: path, detail: "tensor '\(name)' has an impossible shape \(ref.shape)")
        }
        guard ref.offset <= available else { throw WeightsError.offsetsOutsideFile(path: path, tensor: name) }
        if count > 0 {
            // Highest element the view touches must lie inside the storage.
            var last = ref.offset
            for (dim, step) in zip(ref.shape, ref.strides) {
                guard step >= 0 else { throw WeightsError.offsetsOutsideFile(path: path, tensor: name) }
                let (span, overflow) = (dim - 1).multipliedReportingOverflow(by: step)
                let (sum, overflowSum) = last.addingReportingOverflow(span)
                guard !overflow, !overflowSum else { throw WeightsError.offsetsOutsideFile(path: path, tensor: name) }
                last = sum
            }
            guard last < available else { throw WeightsError.offsetsOutsideFile(path: path, tensor: name) }
        }
        if ref.isContiguous {
            let start = ref.offset * size
            let slice = UnsafeRawBufferPointer(rebasing: storage[start..<(start + count * size)])
            return StoredTensor(name: name, dtype: dtype, shape: ref.shape, bytes: slice, owner: owner, source: path)
        }
        let buffer = OwnedBuffer(count: count * size)
        if count > 0, let source = storage.baseAddress, let target = buffer.bytes.baseAddress {
            var index = [Int](repeating: 0, count: ref.shape.count)
            for element in 0..<count {
                var position = ref.offset
                for axis in 0..<index.count { position += index[axis] * ref.strides[axis] }
                (target + element * size).copyMemory(from: source + position * size, byteCount: size)
                var axis = index.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < ref.shape[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return StoredTensor(name: name, dtype: dtype, shape: ref.shape, bytes: buffer.prefix(count * size),
                            owner: buffer, source: path)
    }
}
