extension Duration {
    /// Seconds as a `Double`: for SQL intervals, comparisons with clock readings and messages.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
