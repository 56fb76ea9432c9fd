import XCTest
@testable import SDModels
