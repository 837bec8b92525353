import ChatCore
import Foundation

/// Times in the local time zone, as a person reads them.
public enum LocalTime {
    /// `2026-11-26 11:43`.
    public static func format(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min)
        )
    }

    /// `11:43`.
    public static func clock(_ date: Date) -> String {
        String(self.format(date).suffix(5))
    }

    /// Message times in a `strftime` pattern (`%H:%M` by default; `/set` and config.toml can change it).
    public struct Clock: Sendable {
        public let format: String

        public init(format: String) {
            self.format = format
        }

        public func string(_ date: Date) -> String {
            var time = time_t(date.timeIntervalSince1970)
            var parts = tm()
            localtime_r(&time, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let count = strftime(&buffer, buffer.count, self.format, &parts)
            guard count > 0 else { return LocalTime.clock(date) }
            return TerminalText.line(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// `Thu 26 Nov 2026`.
    public static func day(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[Int(parts.tm_wday)]) \(parts.tm_mday) \(months[Int(parts.tm_mon)]) \(Int(parts.tm_year) + 1900)"
    }
}
