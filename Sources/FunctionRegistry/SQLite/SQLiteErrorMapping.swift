import SQLiteNIO

/// SQLite's result codes as registry errors that say what to check.
enum SQLiteErrorMapping {
    static func registryError(for error: any Error, path: String) -> RegistryError {
        if let error = error as? RegistryError { return error }
        if error is CancellationError { return .unavailable("the call was cancelled") }
        guard let error = error as? SQLiteError else {
            return .unavailable("\(path): \(error)")
        }
        switch error.reason {
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .lockedBySharedCache:
            return .unavailable(
                "\(path) stayed locked by another process past the busy timeout (\(error.message)); is another pylambda using this state directory, or is the disk very slow?")
        case .full:
            return .unavailable("the disk holding \(path) is full (\(error.message)); free some space")
        case .readOnly, .readonlyCantLock, .readonlyDirectory, .readonlyInRecovery, .readonlyInRollback,
            .readonlyBackingMoved, .permission, .auth:
            return .unavailable("\(path) cannot be written (\(error.message)); check the permissions of the file and its directory")
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .cantOpenUnfollowedSymlink, .cantOpenCygwinPath:
            return .unavailable("\(path) cannot be opened (\(error.message)); check that its directory exists and is writable")
        case .corrupt, .corruptIndex, .corruptSequenceSchema, .corruptVirtualTable, .notADatabase:
            return .unavailable("\(path) is damaged or is not an SQLite database (\(error.message)); restore it from a backup or move it away")
        case .constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintForeignKeyFailed,
            .constraintNotNullFailed, .constraintCheckFailed:
            return .conflict("the registry refused the change: \(error.message)")
        default:
            return .unavailable("\(path): SQLite error \(error)")
        }
    }
}
