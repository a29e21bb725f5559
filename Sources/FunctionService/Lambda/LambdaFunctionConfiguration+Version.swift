import FunctionRegistry
import LambdaProtocol

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension LambdaFunctionConfiguration {
    /// The Python every function really runs on, whatever `Runtime` a client asked for.
    static let runtime = "python3.11"
    /// Lambda requires a role; on one machine it means nothing, so every function shows this one.
    static let role = "arn:aws:iam::000000000000:role/pylambda"

    /// `version` as Lambda shows it: as `$LATEST` (`qualifier` nil) or as the published version.
    init(_ version: FunctionVersion, qualified: Bool, region: String) {
        let arn = LambdaARN.function(version.functionName, region: region)
        self.init(
            functionName: version.functionName,
            functionArn: qualified ? "\(arn):\(version.version)" : arn,
            runtime: Self.runtime, role: Self.role, handler: version.handler, codeSize: version.codeSize,
            description: version.description, timeout: Int(version.settings.timeoutSeconds.rounded(.up)),
            memorySize: version.settings.memoryMB, lastModified: Self.timestamp(version.createdAt),
            codeSha256: Self.base64(hex: version.codeSHA256), version: qualified ? String(version.version) : "$LATEST",
            environment: version.settings.environment.isEmpty ? nil : Environment(variables: version.settings.environment))
    }

    /// `2026-11-27T18:00:00.000+0000`, Lambda's `LastModified`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds / 1000
        let formatted = Date(timeIntervalSince1970: Double(seconds)).formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
        return formatted.replacingOccurrences(of: "Z", with: "") + String(format: ".%03d+0000", milliseconds % 1000)
    }

    /// Lambda shows `CodeSha256` in base64; the registry keeps hex.
    static func base64(hex: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex),
            let byte = UInt8(hex[index..<next], radix: 16)
        {
            bytes.append(byte)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}

/// The ARNs PyLambda answers with: a fixed account, the service's region.
enum LambdaARN {
    static func function(_ name: String, region: String) -> String {
        "arn:aws:lambda:\(region):000000000000:function:\(name)"
    }
}
