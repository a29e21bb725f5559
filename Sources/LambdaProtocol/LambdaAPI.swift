/// Lambda's paths, headers and error types.
public enum LambdaAPI {
    public static let version = "2015-03-31"
    public static let functions = "/2015-03-31/functions"

    /// The operations PyLambda implements, as a message names them.
    public static let operations = [
        "CreateFunction", "GetFunction", "GetFunctionConfiguration", "ListFunctions", "UpdateFunctionCode",
        "UpdateFunctionConfiguration", "PublishVersion", "ListVersionsByFunction", "DeleteFunction", "Invoke",
    ]

    /// Whether `path` is in the Lambda API's form: every operation's path starts with the date of its
    /// API version (`/2015-03-31/functions`, `/2017-03-31/tags`, `/2019-09-25/functions/...`).
    public static func isVersionedPath(_ path: String) -> Bool {
        let bytes = Array(path.utf8.prefix(12))
        guard bytes.count == 12, bytes[0] == UInt8(ascii: "/"), bytes[5] == UInt8(ascii: "-"), bytes[8] == UInt8(ascii: "-"),
            bytes[11] == UInt8(ascii: "/")
        else { return false }
        return [1, 2, 3, 4, 6, 7, 9, 10].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }
    }

    public enum Header {
        public static let invocationType = "X-Amz-Invocation-Type"
        public static let logType = "X-Amz-Log-Type"
        public static let logResult = "X-Amz-Log-Result"
        public static let functionError = "X-Amz-Function-Error"
        public static let executedVersion = "X-Amz-Executed-Version"
        public static let requestID = "x-amzn-RequestId"
        public static let errorType = "x-amzn-ErrorType"
    }

    public enum ErrorType {
        public static let resourceNotFound = "ResourceNotFoundException"
        public static let invalidParameterValue = "InvalidParameterValueException"
        public static let resourceConflict = "ResourceConflictException"
        public static let tooManyRequests = "TooManyRequestsException"
        public static let requestTooLarge = "RequestTooLargeException"
        public static let service = "ServiceException"
        public static let invalidRequestContent = "InvalidRequestContentException"
        public static let accessDenied = "AccessDeniedException"
        public static let unknownOperation = "UnknownOperationException"
    }
}
