import Foundation
import SDModels
import SDPipelines
import SDWeights

/// Finds and runs the MiDaS DPT-Hybrid depth estimator: `--depth-model` (a transformers folder
/// such as a depth model's `depth_estimator/`, or the MiDaS release `dpt_hybrid-midas-501f0c75.pt`),
/// else the `depth_estimator` folder of the diffusers model itself (as diffusers' depth pipeline
/// loads it).
enum DepthEstimation {
    static func estimator(explicit: String?, model: ModelCheckpoint?) throws -> DPTDepthEstimator? {
        if let explicit { return try DPTDepthEstimator.load(URL(fileURLWithPath: explicit)) }
        guard let model else { return nil }
        let folder = model.url.appendingPathComponent("depth_estimator")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return try DPTDepthEstimator.load(folder)
    }

    /// The depth map for `image` (at the estimator's output size).
    static func depthMap(of image: RGBImage, with estimator: DPTDepthEstimator) throws -> DepthMap {
        let depth = try estimator.estimateDepth(image: image)
        return try DepthMap(width: depth.width, height: depth.height, values: depth.values)
    }
}
