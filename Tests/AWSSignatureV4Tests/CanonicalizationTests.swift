import Testing

@testable import AWSSignatureV4

/// The canonicalization rules one by one; each expectation is what botocore (and AWS's suite) does.
@Suite struct CanonicalizationTests {
    @Test(arguments: [
        ("/", "/"), ("", "/"), ("/a/./b/../c", "/a/c"), ("//a//b//", "/a/b/"), ("/a/..", "/"), ("/..", "/"),
        ("/%2E%2E/x", "/%252E%252E/x"), ("/my-function%3Aprod", "/my-function%253Aprod"), ("/a:b", "/a%3Ab"),
        ("/ሴ", "/%E1%88%B4"), ("/a b", "/a%20b"), ("/~-._AZaz09", "/~-._AZaz09"), ("/a%2Fb/", "/a%252Fb/"),
    ])
    func normalizedPath(raw: String, canonical: String) {
        #expect(CanonicalRequest.canonicalPath(raw, normalizing: true) == canonical)
    }

    @Test(arguments: [("//a/./b/../", "//a/./b/../"), ("", "/"), ("/a%3Ab", "/a%253Ab")])
    func unnormalizedPath(raw: String, canonical: String) {
        #expect(CanonicalRequest.canonicalPath(raw, normalizing: false) == canonical)
    }

    @Test(arguments: [
        ("", ""), ("b=2&a=1", "a=1&b=2"), ("a=2&a=1", "a=1&a=2"), ("flag", "flag="), ("a=&b", "a=&b="),
        ("&&a=1&&", "a=1"), ("a=x=y", "a=x%3Dy"), ("k=%7E", "k=%7E"), ("k=%7e", "k=%7e"), ("k=~", "k=~"),
        ("k=%zz", "k=%25zz"), ("k=%4", "k=%254"), ("k=100%", "k=100%25"), ("k=a+b", "k=a%2Bb"),
        ("ሴ=bar", "%E1%88%B4=bar"), ("a=1&B=0", "B=0&a=1"), ("a=b&a-1=c", "a=b&a-1=c"),
        ("Param-3=Value3&Param=Value2&%E1%88%B4=Value1", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"),
        ("k=a b", "k=a%20b"), ("=v", "=v"), ("k=a/b?c", "k=a%2Fb%3Fc"),
    ])
    func query(raw: String, canonical: String) {
        #expect(CanonicalRequest.canonicalQuery(raw) == canonical)
    }

    @Test func thePresignedSignatureIsLeftOutOfItsOwnQuery() {
        #expect(CanonicalRequest.canonicalQuery("b=1&X-Amz-Signature=abc&a=2", omitting: "X-Amz-Signature") == "a=2&b=1")
        #expect(CanonicalRequest.canonicalQuery("X%2DAmz-Signature=abc", omitting: "X-Amz-Signature") == "")
        #expect(CanonicalRequest.canonicalQuery("x-amz-signature=abc", omitting: "X-Amz-Signature") == "x-amz-signature=abc")
    }

    @Test(arguments: [
        ("value", "value"), ("  a   b  ", "a b"), ("a\tb", "a b"), ("", ""), ("   ", ""), ("a\u{1F}b", "a b"),
        ("\"a   b   c\"", "\"a b c\""), ("a\u{A0}b", "a b"), ("VALUE1", "VALUE1"),
    ])
    func headerValue(raw: String, canonical: String) {
        #expect(CanonicalRequest.trimmedValue(raw) == canonical)
    }

    @Test func percentEncodingKeepsOnlyUnreservedBytes() {
        for byte in UInt8.min...UInt8.max {
            let encoded = PercentEncoding.encode([byte])
            let unreserved = PercentEncoding.isUnreserved(byte)
            #expect(encoded == (unreserved ? String(UnicodeScalar(byte)) : "%" + hex(byte)), "\(byte)")
            #expect(PercentEncoding.decode(Array(("%" + hex(byte)).utf8)) == [byte])
            #expect(PercentEncoding.decode(Array(("%" + hex(byte).lowercased()).utf8)) == [byte])
        }
        #expect(PercentEncoding.encode("a/b".utf8, keepingSlash: true) == "a/b")
        #expect(PercentEncoding.encode("a/b".utf8) == "a%2Fb")
        #expect(PercentEncoding.decode(Array("%zz%4%".utf8)) == Array("%zz%4%".utf8))
        #expect(PercentEncoding.decode(Array("a+b".utf8)) == Array("a+b".utf8))
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
