import Testing

@testable import Sandbox

@Suite struct SandboxComponentTests {
    @Test func starEnablesEverything() throws {
        #expect(try SandboxComponent.selection("*") == Set(SandboxComponent.allCases))
    }

    @Test func aDisableWinsWhateverTheOrder() throws {
        let expected = Set(SandboxComponent.allCases).subtracting([.deployment, .kubelet])
        #expect(try SandboxComponent.selection("*,-deployment,-kubelet") == expected)
        #expect(try SandboxComponent.selection("-deployment,*,-kubelet") == expected)
        #expect(try SandboxComponent.selection("deployment,-deployment") == [])
    }

    @Test func aListWithoutStarEnablesOnlyWhatItNames() throws {
        #expect(try SandboxComponent.selection("scheduler, persistentvolume-binder") == [.scheduler, .persistentvolumeBinder])
    }

    @Test func minusStarIsAPlainAPIServer() throws {
        #expect(try SandboxComponent.selection("-*") == [])
        #expect(try SandboxComponent.selection("*,-*") == [])
    }

    @Test func unknownAndEmptyNamesAreErrors() {
        #expect(throws: SandboxComponentSelectionError.unknown("deploy")) { try SandboxComponent.selection("*,-deploy") }
        #expect(throws: SandboxComponentSelectionError.empty) { try SandboxComponent.selection("*,,job") }
        #expect(throws: SandboxComponentSelectionError.empty) { try SandboxComponent.selection("-") }
        #expect(
            SandboxComponentSelectionError.unknown("x").description
                == "unknown controller \"x\" (known: cronjob, daemonset, deployment, disruption, garbagecollector, job, kubelet, "
                + "namespace, nodes, persistentvolume-binder, replicaset, resourcequota, scheduler, service, statefulset)")
    }
}
