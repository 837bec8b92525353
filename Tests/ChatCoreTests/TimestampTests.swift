import ChatCore
import Foundation
import Testing

@Suite("Timestamps on the wire")
struct TimestampTests {
    @Test("formats UTC with milliseconds")
    func formats() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_692_116.123)) == "2026-11-26T11:21:56.123Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }

    @Test("parses what it formats, and other ISO 8601 forms")
    func parses() throws {
        for ms in [Int64(0), 1, 999, 1_795_692_116_123, 4_102_444_800_000, -86_400_001] {
            let date = Timestamp.date(milliseconds: ms)
            #expect(Timestamp.parse(Timestamp.format(date)).map(Timestamp.milliseconds) == ms)
        }
        #expect(Timestamp.parse("2026-11-26T11:21:56Z").map(Timestamp.milliseconds) == 1_795_692_116_000)
        #expect(Timestamp.parse("2026-11-26T12:21:56.5+01:00").map(Timestamp.milliseconds) == 1_795_692_116_500)
        for bad in ["", "2026-11-26", "2026-13-01T00:00:00Z", "2026-11-26T11:21:56", "2026-11-26T11:21:56.Z", "x2026-11-26T11:21:56Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }
}
