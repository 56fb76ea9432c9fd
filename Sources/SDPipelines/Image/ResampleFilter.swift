import Foundation

/// Pillow's resampling kernels (libImaging/Resample.c), evaluated in its order of operations so
/// that resizes are bit-identical to `PIL.Image.resize(..., resample=...)`.
public enum ResampleFilter: Sendable, Equatable {
    /// `Image.LANCZOS` (3-lobe windowed sinc): what diffusers' image processor resizes with.
    case lanczos
    /// `Image.BILINEAR` (triangle): the SD2-depth feature extractor's `resample: 2`.
    case bilinear
    /// `Image.BICUBIC` (cubic convolution, a = -0.5): `DPTImageProcessor`'s default.
    case bicubic

    /// PIL's `Image.Resampling` codes as processor configs store them (1 LANCZOS, 2 BILINEAR,
    /// 3 BICUBIC); nil for the others (NEAREST, BOX, HAMMING).
    public init?(pillowCode: Int) {
        switch pillowCode {
        case 1: self = .lanczos
        case 2: self = .bilinear
        case 3: self = .bicubic
        default: return nil
        }
    }

    /// Half-width of the kernel at scale 1.
    var support: Double {
        switch self {
        case .lanczos: return 3
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    func weight(_ x: Double) -> Double {
        switch self {
        case .lanczos:
            guard -3.0 <= x && x < 3.0 else { return 0.0 }
            return ResampleFilter.sinc(x) * ResampleFilter.sinc(x / 3)
        case .bilinear:
            let ax = x < 0.0 ? -x : x
            return ax < 1.0 ? 1.0 - ax : 0.0
        case .bicubic:
            let a = -0.5
            let ax = x < 0.0 ? -x : x
            if ax < 1.0 { return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1 }
            if ax < 2.0 { return (((ax - 5) * ax + 8) * ax - 4) * a }
            return 0.0
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0.0 { return 1.0 }
        let px = x * Double.pi
        return sin(px) / px
    }
}
