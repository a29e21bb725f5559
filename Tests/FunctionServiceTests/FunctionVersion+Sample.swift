import FunctionRegistry
import Foundation

extension FunctionVersion {
    /// A version as the registry would give it, for tests that need one and no registry: function
    /// `f` (id 1), version 1, a source file, the default settings.
    static func sample() -> FunctionVersion {
        FunctionVersion(
            functionName: "f", functionID: 1, version: 1, createdAt: Date(), codeSHA256: "", codeSize: 0, kind: .source,
            handler: "entrypoint", dependencySetKey: nil, requirements: nil, settings: FunctionSettings(), description: "",
            published: false)
    }
}
