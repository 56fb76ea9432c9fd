/// The classes `\s`, `\p{L}`, `\p{N}` of CLIP's split pattern as the Oniguruma regex engine inside
/// tokenizers 0.23 sees them: Unicode 16.0 data, so letters and digits assigned later (which Swift's
/// newer tables know) fall in neither class.
enum CLIPCharacterClass {
    case letter, number, space, other

    static func of(_ scalar: Unicode.Scalar) -> CLIPCharacterClass {
        let value = scalar.value
        if value < 0x80 {
            switch value {
            case 0x61...0x7A, 0x41...0x5A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .space
            default: return .other
            }
        }
        switch value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return .space
        default: break
        }
        let properties = scalar.properties
        let category: CLIPCharacterClass
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: category = .letter
        case .decimalNumber, .letterNumber, .otherNumber: category = .number
        default: return .other
        }
        guard let age = properties.age, age.major <= 16 else { return .other }
        return category
    }
}
