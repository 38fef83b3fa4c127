import Foundation
import Testing

/// The test helper that runs commands kills one that outlives its limit, so a hung kubectl
/// fails its test instead of holding the whole run.
@Suite struct CommandWatchdogTests {
    @Test func aCommandPastItsLimitIsKilled() throws {
        let start = ContinuousClock.now
        let result = try run("/bin/sleep", ["30"], limit: 0.5)
        #expect(result.status == SIGKILL)
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func aCommandWithinItsLimitIsLeftAlone() throws {
        let result = try run("/bin/sh", ["-c", "echo done"], limit: 30)
        #expect(result.status == 0 && result.output == "done\n")
    }
}
