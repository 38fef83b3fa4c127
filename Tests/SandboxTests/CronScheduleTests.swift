import Foundation
import KubeAPI
import Testing

@testable import Sandbox

@Suite struct CronScheduleTests {
    static func date(_ text: String) -> Date { Timestamp.parse(text)! }
    static let utc = TimeZone(identifier: "UTC")!

    @Test(
        arguments: [
            // every minute, steps, ranges, lists
            ("* * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"),
            ("* * * * *", "2024-01-01T00:00:30Z", "2024-01-01T00:01:00Z"),
            ("*/1 * * * *", "2024-01-01T00:59:59Z", "2024-01-01T01:00:00Z"),
            ("*/15 * * * *", "2024-01-01T00:14:59Z", "2024-01-01T00:15:00Z"),
            ("*/15 * * * *", "2024-01-01T00:45:00Z", "2024-01-01T01:00:00Z"),
            ("5/20 * * * *", "2024-01-01T00:06:00Z", "2024-01-01T00:25:00Z"),
            ("0 * * * *", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"),
            ("30 2 * * *", "2024-01-01T03:00:00Z", "2024-01-02T02:30:00Z"),
            ("23 0-20/2 * * *", "2024-01-01T01:00:00Z", "2024-01-01T02:23:00Z"),
            ("23 0-20/2 * * *", "2024-01-01T20:23:00Z", "2024-01-02T00:23:00Z"),
            ("0,30 9-10 * * *", "2024-01-01T09:30:00Z", "2024-01-01T10:00:00Z"),
            ("59 23 31 12 *", "2024-01-01T00:00:00Z", "2024-12-31T23:59:00Z"),
            // days of month and months
            ("0 0 1 * *", "2024-01-15T00:00:00Z", "2024-02-01T00:00:00Z"),
            ("0 0 31 * *", "2024-02-01T00:00:00Z", "2024-03-31T00:00:00Z"),
            ("0 0 29 2 *", "2023-03-01T00:00:00Z", "2024-02-29T00:00:00Z"),
            ("0 0 */2 * *", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"),
            ("0 0 1 1 *", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            ("0 9 1 jan,jul *", "2024-02-01T00:00:00Z", "2024-07-01T09:00:00Z"),
            ("0 9 1 JUN-AUG *", "2024-08-01T09:00:00Z", "2025-06-01T09:00:00Z"),
            // days of week (2024-01-01 is a Monday)
            ("0 0 * * 1", "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z"),
            ("0 0 * * 0", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
            ("0 0 * * mon-fri", "2024-01-05T00:00:00Z", "2024-01-08T00:00:00Z"),
            ("5 4 * * sun", "2024-01-01T00:00:00Z", "2024-01-07T04:05:00Z"),
            ("0 22 * * 1-5", "2024-01-05T22:00:00Z", "2024-01-08T22:00:00Z"),
            ("0 0 ? * SAT", "2024-01-01T00:00:00Z", "2024-01-06T00:00:00Z"),
            // both day fields restricted: either matches
            ("0 0 13 * 5", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z"),
            ("0 0 13 * 5", "2024-01-12T00:00:00Z", "2024-01-13T00:00:00Z"),
            // one day field a star: only the other one restricts
            ("0 0 13 * *", "2024-01-13T00:00:00Z", "2024-02-13T00:00:00Z"),
            // descriptors
            ("@hourly", "2024-01-01T00:10:00Z", "2024-01-01T01:00:00Z"),
            ("@daily", "2024-01-01T00:10:00Z", "2024-01-02T00:00:00Z"),
            ("@midnight", "2024-01-01T23:59:00Z", "2024-01-02T00:00:00Z"),
            ("@weekly", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"),
            ("@monthly", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"),
            ("@yearly", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
            ("@annually", "2024-03-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        ])
    func nextTimeInUTC(_ schedule: String, _ after: String, _ expected: String) throws {
        let parsed = try CronSchedule(parsing: schedule)
        #expect(parsed.next(after: Self.date(after), in: Self.utc) == Self.date(expected))
    }

    @Test(
        arguments: [
            // 2024-03-10: New York moves from EST (-5) to EDT (-4) at 02:00 local.
            ("0 12 * * *", "America/New_York", "2024-03-10T00:00:00Z", "2024-03-10T16:00:00Z"),
            ("0 12 * * *", "America/New_York", "2024-01-10T00:00:00Z", "2024-01-10T17:00:00Z"),
            // 02:30 does not exist on 2024-03-10: the next run is the day after.
            ("30 2 * * *", "America/New_York", "2024-03-10T05:00:00Z", "2024-03-11T06:30:00Z"),
            // Half-hour offset: Kolkata is +05:30, so local hours start at :30 UTC.
            ("0 * * * *", "Asia/Kolkata", "2024-01-01T00:00:00Z", "2024-01-01T00:30:00Z"),
            ("0 9 * * *", "Europe/Berlin", "2024-07-01T00:00:00Z", "2024-07-01T07:00:00Z"),
            ("0 9 * * *", "Asia/Tokyo", "2024-07-01T00:00:00Z", "2024-07-02T00:00:00Z"),
            // 2024-11-03: New York falls back; 01:30 local happens twice.
            ("30 1 * * *", "America/New_York", "2024-11-03T04:00:00Z", "2024-11-03T05:30:00Z"),
        ])
    func nextTimeInATimeZone(_ schedule: String, _ zone: String, _ after: String, _ expected: String) throws {
        let parsed = try CronSchedule(parsing: schedule)
        #expect(parsed.next(after: Self.date(after), in: TimeZone(identifier: zone)!) == Self.date(expected))
    }

    @Test(
        arguments: [
            "", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * 0 *",
            "* * * * 7", "*/0 * * * *", "5-1 * * * *", "abc * * * *", "1,,2 * * * *", "1-2-3 * * * *", "* * * foo *", "@every 5m",
            "@reboot", "TZ=UTC * * * * *", "CRON_TZ=UTC 0 * * * *",
        ])
    func rejects(_ schedule: String) {
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(parsing: schedule) }
    }

    @Test func parseErrorsSayWhichField() {
        #expect(throws: CronSchedule.ParseError.invalidField(name: "hour", value: "24")) { try CronSchedule(parsing: "0 24 * * *") }
        #expect(throws: CronSchedule.ParseError.fieldCount(4)) { try CronSchedule(parsing: "0 1 * *") }
    }

    @Test func starStepsAreNotStars() throws {
        let everyOther = try CronSchedule(parsing: "0 0 */2 * 1")
        // dom */2 is a restriction, so days matching either field run: the 3rd (odd) or Monday the 8th.
        #expect(!everyOther.daysOfMonth.star)
        #expect(everyOther.next(after: Self.date("2024-01-01T00:00:00Z"), in: Self.utc) == Self.date("2024-01-03T00:00:00Z"))
        #expect(try CronSchedule(parsing: "0 0 */1 * 1").daysOfMonth.star)
    }

    @Test func impossibleDatesNeverRun() throws {
        #expect(try CronSchedule(parsing: "0 0 30 2 *").next(after: Self.date("2024-01-01T00:00:00Z"), in: Self.utc) == nil)
    }

    @Test func mostRecentFindsTheLatestMissedTimeAndCounts() throws {
        let schedule = try CronSchedule(parsing: "*/5 * * * *")
        let (time, count) = schedule.mostRecent(
            after: Self.date("2024-01-01T00:00:00Z"), notAfter: Self.date("2024-01-01T00:17:00Z"), in: Self.utc)
        #expect(time == Self.date("2024-01-01T00:15:00Z"))
        #expect(count == 3)
        let none = schedule.mostRecent(after: Self.date("2024-01-01T00:15:00Z"), notAfter: Self.date("2024-01-01T00:19:59Z"), in: Self.utc)
        #expect(none.time == nil && none.count == 0)
        // A year of minutes: too many to count, the latest still found.
        let minutely = try CronSchedule(parsing: "* * * * *")
        let many = minutely.mostRecent(after: Self.date("2023-01-01T00:00:00Z"), notAfter: Self.date("2024-01-01T12:34:56Z"), in: Self.utc)
        #expect(many.time == Self.date("2024-01-01T12:34:00Z"))
        #expect(many.count > 100)
    }
}
