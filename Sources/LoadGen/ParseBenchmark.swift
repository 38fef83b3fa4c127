import Foundation
import KubeAPI

/// Times `JSONParser` on one file (a LIST response saved by scripts/bench-json.sh), next to
/// Foundation's `JSONSerialization` on the same bytes in the same process.
enum ParseBenchmark {
    static func run(path: String, repeats: Int) throws -> JSONValue {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        var items = 0
        let meridian = try timings(repeats: repeats) {
            let value = try JSONParser.parse(bytes)
            items = value["items"].arrayValue?.count ?? 0
        }
        let foundation = try timings(repeats: repeats) {
            _ = try JSONSerialization.jsonObject(with: data)
        }
        return [
            "bytes": .int(Int64(bytes.count)), "items": .int(Int64(items)), "repeats": .int(Int64(repeats)),
            "meridianMs": meridian, "foundationMs": foundation,
        ]
    }

    /// Median and minimum wall-clock milliseconds of `repeats` runs of `body`.
    private static func timings(repeats: Int, _ body: () throws -> Void) throws -> JSONValue {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<max(repeats, 1) {
            let start = clock.now
            try body()
            let d = clock.now - start
            samples.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }
        samples.sort()
        return ["p50": JSONValue.double(samples[samples.count / 2]).rounded3, "min": JSONValue.double(samples[0]).rounded3]
    }
}
