import SDCompute
import SDModels

extension DPTDepthEstimator {
    /// Relative inverse depth (larger = nearer) of an image, as diffusers' depth-to-image pipeline
    /// computes it: `processor` (by default the SD2-depth feature extractor: 384x384 bilinear),
    /// then the model's `predicted_depth`, row-major at the model's output size (384x384 for SD2),
    /// not resized back to the image.
    public func estimateDepth(image: RGBImage, processor: DPTImageProcessor = .stableDiffusion2Depth) throws
        -> (values: [Float], width: Int, height: Int) {
        let depth = try predictDepth(pixelValues: processor(image))
        return (depth.array, depth.shape[2], depth.shape[1])
    }
}
