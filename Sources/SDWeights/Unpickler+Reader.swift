/// Bounds-checked reads over the pickle bytes.
extension Unpickler {
    struct Reader {
        let data: UnsafeRawBufferPointer
        var position: Int
        let path: String

        mutating func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
            guard count >= 0, count <= data.count - position else {
                throw WeightsError.truncated(path: path, detail: "pickle ends inside an opcode at byte \(position)")
            }
            defer { position += count }
            return UnsafeRawBufferPointer(rebasing: data[position..<(position + count)])
        }

        mutating func byte() throws -> UInt8 { try bytes(1)[0] }
        mutating func uint16() throws -> UInt16 { UInt16(littleEndian: try bytes(2).loadUnaligned(as: UInt16.self)) }
        mutating func uint32() throws -> UInt32 { UInt32(littleEndian: try bytes(4).loadUnaligned(as: UInt32.self)) }
        /// Eight bytes in file order (callers pick the endianness).
        mutating func uint64Raw() throws -> UInt64 { try bytes(8).loadUnaligned(as: UInt64.self) }

        mutating func length64() throws -> Int {
            let value = UInt64(littleEndian: try uint64Raw())
            guard value <= UInt64(data.count) else {
                throw WeightsError.truncated(path: path, detail: "pickle length field beyond end of data")
            }
            return Int(value)
        }

        mutating func utf8(_ count: Int) throws -> String { String(decoding: try bytes(count), as: UTF8.self) }

        mutating func latin1(_ count: Int) throws -> String {
            String(try bytes(count).map { Character(Unicode.Scalar($0)) })
        }

        /// UNICODE's argument: latin-1 bytes with `\uXXXX` / `\UXXXXXXXX` escapes (raw-unicode-escape).
        mutating func rawUnicodeEscapeLine() throws -> String {
            guard let newline = data[position...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw WeightsError.truncated(path: path, detail: "pickle text argument without newline at byte \(position)")
            }
            let raw = Array(data[position..<newline])
            position = newline + 1
            var scalars = String.UnicodeScalarView()
            var index = 0
            while index < raw.count {
                if raw[index] == UInt8(ascii: "\\"), index + 1 < raw.count, raw[index + 1] == UInt8(ascii: "u") || raw[index + 1] == UInt8(ascii: "U") {
                    let width = raw[index + 1] == UInt8(ascii: "u") ? 4 : 8
                    let hex = raw.dropFirst(index + 2).prefix(width)
                    if hex.count == width, let code = UInt32(String(decoding: hex, as: UTF8.self), radix: 16),
                       let scalar = Unicode.Scalar(code) {
                        scalars.append(scalar)
                        index += 2 + width
                        continue
                    }
                }
                scalars.append(Unicode.Scalar(raw[index]))
                index += 1
            }
            return String(scalars)
        }

        /// A newline-terminated text argument (GLOBAL, INT, ...), without the newline.
        mutating func line() throws -> String {
            guard let newline = data[position...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw WeightsError.truncated(path: path, detail: "pickle text argument without newline at byte \(position)")
            }
            let text = String(decoding: data[position..<newline], as: UTF8.self)
            position = newline + 1
            return text
        }
    }
}
