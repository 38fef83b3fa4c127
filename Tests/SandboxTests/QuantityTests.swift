import KubeAPI
import Testing

@testable import Sandbox

@Suite struct QuantityTests {
    @Test(
        arguments: [
            ("500m", 500), ("2", 2000), ("0.5", 500), ("1Ki", 1_024_000), ("128Mi", 134_217_728_000), ("1G", 1_000_000_000_000),
            ("1k", 1_000_000),
        ] as [(String, Int64)])
    func parses(_ text: String, _ milli: Int64) {
        #expect(Quantity.milli(text) == milli)
    }

    @Test func rejectsGarbage() {
        #expect(Quantity.milli("lots") == nil)
        #expect(Quantity.milli("") == nil)
    }

    @Test func podRequestsSumContainersAndTakeTheLargestInitContainer() throws {
        let pod = try JSONParser.parse(
            Array(
                """
                {"spec":{"containers":[{"resources":{"requests":{"cpu":"100m","memory":"64Mi"}}},{"resources":{"requests":{"cpu":"200m"}}}],
                "initContainers":[{"resources":{"requests":{"cpu":"1","memory":"1Mi"}}}]}}
                """.utf8))
        let requests = PodRequests(pod: pod)
        #expect(requests.cpuMilli == 1000)
        #expect(requests.memoryMilli == 64 * 1024 * 1024 * 1000)
    }
}
