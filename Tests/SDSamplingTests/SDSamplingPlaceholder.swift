import XCTest
@testable import SDSampling
