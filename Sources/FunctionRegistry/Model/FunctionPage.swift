/// One page of functions in name order, for Lambda's ListFunctions (`MaxItems` + `Marker`).
public struct FunctionPage: Sendable, Equatable {
    public var functions: [FunctionRecord]
    /// Pass as `after` to get the next page; nil on the last page.
    public var nextMarker: String?

    public init(functions: [FunctionRecord], nextMarker: String?) {
        self.functions = functions
        self.nextMarker = nextMarker
    }
}
