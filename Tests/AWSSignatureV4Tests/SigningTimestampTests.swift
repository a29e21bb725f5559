import Foundation
import Testing

@testable import AWSSignatureV4

@Suite struct SigningTimestampTests {
    @Test func parsesXAmzDate() {
        let timestamp = SigningTimestamp(amzDate: "20150830T123600Z")
        #expect(timestamp?.secondsSince1970 == 1_440_938_160)
        #expect(timestamp?.basicFormat == "20150830T123600Z")
        #expect(timestamp?.day == "20150830")
        #expect(SigningTimestamp(amzDate: "20160229T235959Z") != nil)
        #expect(SigningTimestamp(amzDate: "20000229T000000Z") != nil)
    }

    @Test(arguments: [
        "", "20150830T123600", "2015-08-30T12:36:00Z", "20150230T000000Z", "20150229T000000Z",
        "21000229T000000Z", "20150830T240000Z", "20150830T126000Z", "20150830T123660Z", "2015083OT123600Z",
        "+0150830T123600Z", "20151330T000000Z", "20150800T000000Z", "20150830t123600z", "２０１５0830T123600Z",
        "20150830T123600Z ", "20150830 123600Z",
    ])
    func refusesAnythingElseAsXAmzDate(_ value: String) {
        #expect(SigningTimestamp(amzDate: value) == nil)
    }

    @Test(arguments: [
        "Sun, 30 Aug 2015 12:36:00 GMT", "30 Aug 2015 12:36:00 GMT", "Sun, 30 Aug 2015 12:36:00 -0000",
        "Sun, 30 Aug 2015 12:36:00 +0000", "Sun, 30 Aug 2015 14:36:00 +0200", "Sun, 30 Aug 2015 07:36:00 -0500",
        "Sun, 30 Aug 2015 12:36:00 UTC", "Sun,  30 Aug 2015 12:36:00 UT",
    ])
    func parsesHTTPDates(_ value: String) {
        #expect(SigningTimestamp(httpDate: value)?.secondsSince1970 == 1_440_938_160)
    }

    @Test(arguments: [
        "", "Sunday, 30-Aug-15 12:36:00 GMT", "Sun Aug 30 12:36:00 2015", "Sun, 30 Aug 2015 12:36 GMT",
        "Sun, 31 Sep 2015 12:36:00 GMT", "Xyz, 30 Aug 2015 12:36:00 GMT", "Sun, 30 Aug 2015 12:36:00 +2400",
        "Sun, 30 Aug 2015 12:36:00 CEST", "Sun, 30 Aug 15 12:36:00 GMT", "Sun, 30 aug 2015 12:36:00 GMT",
        "Sun, 30 Aug 2015 12:36:00", "Sun, 30 Aug 2015 1:36:00 GMT", "Sun, 30 Aug 2015 12:36:00 GMT extra",
    ])
    func refusesOtherHTTPDates(_ value: String) {
        #expect(SigningTimestamp(httpDate: value) == nil)
    }

    /// Formatting and parsing agree with each other and with Foundation, from 1900 to 2200.
    @Test func formatsLikeFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        var seconds: Int64 = -2_208_988_800
        while seconds < 7_258_118_400 {
            let timestamp = SigningTimestamp(secondsSince1970: seconds)
            #expect(timestamp.basicFormat == formatter.string(from: timestamp.date), "\(seconds)")
            #expect(SigningTimestamp(amzDate: timestamp.basicFormat) == timestamp, "\(seconds)")
            seconds += 86_400 * 37 + 3_671
        }
        #expect(SigningTimestamp(secondsSince1970: 951_868_800).basicFormat == "20000301T000000Z")
        #expect(SigningTimestamp(secondsSince1970: -1).basicFormat == "19691231T235959Z")
        #expect(SigningTimestamp(secondsSince1970: 951_782_400).basicFormat == "20000229T000000Z")
    }

    @Test func roundsDatesDownAndSurvivesAbsurdClocks() {
        #expect(SigningTimestamp(Date(timeIntervalSince1970: 1_440_938_160.999)).secondsSince1970 == 1_440_938_160)
        #expect(SigningTimestamp(Date(timeIntervalSince1970: .infinity)).secondsSince1970 == 0)
        #expect(SigningTimestamp(Date(timeIntervalSince1970: -1e300)).secondsSince1970 == 0)
    }
}
