import Foundation

/// How a `HubClient` picks and fetches files.
public struct HubDownloadOptions: Sendable {
    /// Diffusers weight variant (`fp16` picks `*.fp16.safetensors`); components without it
    /// fall back to their plain weights, as diffusers does.
    public var variant: String?
    /// Seconds without any data before a request is abandoned, so a dead server never hangs.
    public var requestTimeout: TimeInterval
    /// Tries per request when the connection fails; a broken download resumes where it stopped.
    public var maxAttempts: Int
    /// Pause before the second try, doubled for each further one.
    public var retryDelay: TimeInterval

    public init(variant: String? = nil, requestTimeout: TimeInterval = 30, maxAttempts: Int = 5, retryDelay: TimeInterval = 1) {
        self.variant = variant
        self.requestTimeout = requestTimeout
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = retryDelay
    }
}
