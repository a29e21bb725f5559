import FunctionPackages
import ServiceProtocol

extension ServiceHTTPError {
    /// The package is the caller's to fix.
    init(_ error: PackageError) {
        switch error {
        case .fileSystem, .extractionTargetUnusable:
            self.init(.serviceUnavailable, type: ServiceErrorType.unavailable, detail: "the package could not be stored: \(error)")
        case .packedSizeExceeded, .unpackedSizeExceeded:
            self.init(.contentTooLarge, type: ServiceErrorType.invalidPackage, detail: error.description)
        default:
            self.init(.badRequest, type: ServiceErrorType.invalidPackage, detail: error.description)
        }
    }

    /// The requirements are the caller's to fix; a machine without an installer or a broken store
    /// is the operator's.
    init(_ error: DependencyError) {
        if error.isTheRequirementsFault {
            self.init(.badRequest, type: ServiceErrorType.dependencyInstallFailed, detail: error.description)
        } else {
            self.init(.serviceUnavailable, type: ServiceErrorType.unavailable, detail: error.description)
        }
    }

    init(_ error: RequirementsError) {
        self.init(.badRequest, type: ServiceErrorType.invalidPackage, detail: "the requirements cannot be used: \(error)")
    }
}
