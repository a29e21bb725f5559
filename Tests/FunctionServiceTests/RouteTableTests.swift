import Foundation
import Testing

@testable import FunctionService

/// The service's paths are listed for 405s (`MethodNotAllowed`) and in the OpenAPI document: the two
/// lists name the same paths, parameters and methods (the document said `/v1/keys/{key}` where the
/// route, and `/metrics`' route label, say `{name}`).
@Suite struct RouteTableTests {
    @Test func theOpenAPIDocumentAndTheAllowedMethodsAgree() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = paths.mapValues { Set($0.keys.filter { $0 != "parameters" }.map { $0.uppercased() }) }
        let allowed = Dictionary(uniqueKeysWithValues: MethodNotAllowed.allowed.map { ($0.template, Set($0.methods.map(\.rawValue))) })
        #expect(documented == allowed)
    }
}
