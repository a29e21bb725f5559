/// Lambda's paths, headers and error types.
public enum LambdaAPI {
    public static let version = "2015-03-31"
    public static let functions = "/2015-03-31/functions"

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
    }
}
