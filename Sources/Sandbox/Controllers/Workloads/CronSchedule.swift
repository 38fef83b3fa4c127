import Foundation

/// A standard five-field cron schedule (minute, hour, day of month, month, day of week)
/// as Kubernetes parses it (robfig/cron's standard parser): lists, ranges, steps
/// (`*/15`, `1-30/5`, `5/10` meaning 5-59/10), `?` for `*`, month and weekday names,
/// and the descriptors `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight`
/// `@hourly`. When both day fields are restricted a day matching either runs, otherwise
/// both must match.
struct CronSchedule: Sendable, Equatable {
    enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case fieldCount(Int)
        case invalidField(name: String, value: String)
        case unsupported(String)

        var description: String {
            switch self {
            case .empty: return "empty spec string"
            case .fieldCount(let n): return "expected exactly 5 fields, found \(n)"
            case .invalidField(let name, let value): return "failed to parse \(name) field: \(value)"
            case .unsupported(let text): return "unsupported schedule: \(text)"
            }
        }
    }

    struct Field: Sendable, Equatable {
        var bits: UInt64 = 0
        /// Written as `*` or `?` (or `*/1`): matters for the day fields.
        var star = false

        func contains(_ value: Int) -> Bool { value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0 }
    }

    var minutes: Field
    var hours: Field
    var daysOfMonth: Field
    var months: Field
    var daysOfWeek: Field

    static let descriptors: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    init(parsing text: String) throws(ParseError) {
        var spec = text.trimmingCharacters(in: .whitespaces)
        guard !spec.isEmpty else { throw .empty }
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") { throw .unsupported("time zones belong in spec.timeZone") }
        if spec.hasPrefix("@") {
            guard let expanded = Self.descriptors[spec.lowercased()] else { throw .unsupported(spec) }
            spec = expanded
        }
        let fields = spec.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5 else { throw .fieldCount(fields.count) }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: [])
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: [])
        daysOfMonth = try Self.field(fields[2], name: "day-of-month", range: 1...31, names: [])
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames, firstName: 1)
        daysOfWeek = try Self.field(fields[4], name: "day-of-week", range: 0...6, names: Self.dayNames)
    }

    private static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String], firstName: Int = 0)
        throws(ParseError) -> Field
    {
        func value(_ s: Substring) throws(ParseError) -> Int {
            if let n = Int(s) { return n }
            if let i = names.firstIndex(of: s.lowercased()) { return i + firstName }
            throw .invalidField(name: name, value: text)
        }
        var field = Field()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let rangeAndStep = item.split(separator: "/", omittingEmptySubsequences: false)
            let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false)
            guard rangeAndStep.count <= 2, lowAndHigh.count <= 2 else { throw .invalidField(name: name, value: text) }
            var start: Int
            var end: Int
            var star = false
            if lowAndHigh.count == 1, lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
                (start, end, star) = (range.lowerBound, range.upperBound, true)
            } else {
                start = try value(lowAndHigh[0])
                end = lowAndHigh.count == 2 ? try value(lowAndHigh[1]) : start
            }
            var step = 1
            if rangeAndStep.count == 2 {
                guard let s = Int(rangeAndStep[1]), s > 0 else { throw .invalidField(name: name, value: text) }
                step = s
                if lowAndHigh.count == 1, !star { end = range.upperBound }  // "N/step" means N-max/step
                if step > 1 { star = false }
            }
            guard range.contains(start), range.contains(end), start <= end else { throw .invalidField(name: name, value: text) }
            for v in stride(from: start, through: end, by: step) { field.bits |= 1 << UInt64(v) }
            if star { field.star = true }
        }
        return field
    }

    func dayMatches(day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth.contains(day)
        let dow = daysOfWeek.contains(weekday)
        return daysOfMonth.star || daysOfWeek.star ? dom && dow : dom || dow
    }

    /// The first schedule time strictly after `date`, in `timeZone`'s wall clock; nil if
    /// none within five years (e.g. February 30th). Local times a DST change skips never run.
    func next(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var t = Date(timeIntervalSince1970: (floor(date.timeIntervalSince1970 / 60) + 1) * 60)
        let limit = calendar.component(.year, from: t) + 5
        while true {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
                let weekday = c.weekday, year <= limit
            else { return nil }
            if !months.contains(month) {
                let first = DateComponents(year: month == 12 ? year + 1 : year, month: month % 12 + 1, day: 1, hour: 0, minute: 0)
                guard let next = calendar.date(from: first), next > t else { return nil }
                t = next
                continue
            }
            if !dayMatches(day: day, weekday: weekday - 1) {
                guard let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: t)), next > t else { return nil }
                t = next
                continue
            }
            if !hours.contains(hour) {
                // The next local hour begins when this one's minutes run out (in absolute time,
                // so a repeated autumn hour cannot loop).
                t = t.addingTimeInterval(Double(60 - minute) * 60)
                continue
            }
            if !minutes.contains(minute) {
                t = t.addingTimeInterval(60)
                continue
            }
            return t
        }
    }

    /// The latest schedule time in (`earliest`, `now`] and how many there are (counting
    /// stops past `countLimit`): what the CronJob controller starts after missing some.
    func mostRecent(after earliest: Date, notAfter now: Date, in timeZone: TimeZone, countLimit: Int = 100) -> (time: Date?, count: Int) {
        var count = 0
        var latest: Date?
        var cursor = earliest
        while let t = next(after: cursor, in: timeZone), t <= now {
            count += 1
            latest = t
            cursor = t
            if count > countLimit { break }
        }
        guard count > countLimit else { return (latest, count) }
        // Too many to walk: look back from now in growing windows for the latest one.
        for window: Double in [3600, 86400, 32 * 86400, 366 * 86400, 5 * 366 * 86400] {
            var t = max(earliest, now.addingTimeInterval(-window))
            var found: Date?
            while let n = next(after: t, in: timeZone), n <= now {
                found = n
                t = n
            }
            if let found { return (found, count) }
        }
        return (latest, count)
    }
}
