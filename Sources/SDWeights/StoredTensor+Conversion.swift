/// Conversions from the stored dtype into the types models compute in.
extension StoredTensor {
    /// Writes `count` f32 values converted from f16/bf16/f32/f64 storage.
    public func copyFloats(into destination: UnsafeMutablePointer<Float>) throws {
        let n = count
        guard n > 0, let src = bytes.baseAddress else { return }
        switch dtype {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: src, byteCount: n * 4)
        case .f16:
            StoredTensor.convertHalf(src, destination, n)
        case .bf16:
            for i in 0..<n {
                let bits = UInt32(src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
                destination[i] = Float(bitPattern: bits << 16)
            }
        case .f64:
            for i in 0..<n {
                destination[i] = Float(src.loadUnaligned(fromByteOffset: i &* 8, as: Double.self))
            }
        default:
            throw WeightsError.badDType(path: source, tensor: name, dtype: "\(dtype.rawValue) (expected a float type)")
        }
    }

    /// The values as f32 (see `copyFloats(into:)`).
    public func floats() throws -> [Float] {
        let n = count
        return try [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
            if let base = buffer.baseAddress { try copyFloats(into: base) }
            initialized = n
        }
    }

    /// The values as Int64, from any integer or bool storage.
    public func int64s() throws -> [Int64] {
        let n = count
        guard n > 0, let src = bytes.baseAddress else { return [] }
        switch dtype {
        case .i64: return (0..<n).map { src.loadUnaligned(fromByteOffset: $0 &* 8, as: Int64.self) }
        case .i32: return (0..<n).map { Int64(src.loadUnaligned(fromByteOffset: $0 &* 4, as: Int32.self)) }
        case .i16: return (0..<n).map { Int64(src.loadUnaligned(fromByteOffset: $0 &* 2, as: Int16.self)) }
        case .i8: return (0..<n).map { Int64(src.load(fromByteOffset: $0, as: Int8.self)) }
        case .u8, .bool: return (0..<n).map { Int64(src.load(fromByteOffset: $0, as: UInt8.self)) }
        default:
            throw WeightsError.badDType(path: source, tensor: name, dtype: "\(dtype.rawValue) (expected an integer type)")
        }
    }

    /// f16 -> f32 in blocks of 8 so the compiler emits vector conversions (F16C on x86).
    @inline(__always)
    static func convertHalf(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let h = src.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<UInt16>.self)
            for lane in 0..<8 {
                dst[i &+ lane] = Float(Float16(bitPattern: h[lane]))
            }
            i &+= 8
        }
        while i < n {
            dst[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
            i &+= 1
        }
    }
}
