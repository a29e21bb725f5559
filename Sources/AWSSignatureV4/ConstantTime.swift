/// Whether two byte sequences are equal, in a time that depends on their lengths only.
///
/// A comparison that stops at the first differing byte tells a client, through its response time,
/// how many leading bytes of a forged signature are right; repeated tries would then find a valid
/// signature byte by byte without knowing the secret. This one looks at every byte every time.
/// Lengths are not secret (a SigV4 signature is always 64 hex digits), so they may end it early.
func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for (left, right) in zip(lhs, rhs) {
        difference |= left ^ right
    }
    return difference == 0
}
