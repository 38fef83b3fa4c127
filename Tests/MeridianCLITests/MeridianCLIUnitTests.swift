import KubeAPI
import Testing

@testable import MeridianCLI

@Suite struct ControlPlaneManifestsTests {
    static func manifests(dnsConfig: String? = nil, storage: ControlPlaneManifests.Storage? = .init()) -> ControlPlaneManifests {
        var manifests = ControlPlaneManifests(
            federation: "fed", namespace: "federation-system", image: "ghcr.io/meridian-dev/meridian:1.0",
            credentials: ["ca.crt": "CA", "admin.key": "KEY"], dnsProvider: "builtin", dnsZoneName: "example.com.",
            dnsProviderConfig: dnsConfig)
        manifests.storage = storage
        return manifests
    }

    @Test func theDeploymentRunsServeWithItsCredentialsAndState() {
        let deployment = Self.manifests().deployment
        let container = deployment["spec"]["template"]["spec"]["containers"][0]
        #expect(
            container["args"]
                == [
                    "serve", "--data-dir=/var/lib/meridian", "--port=8443", "--bind-address=$(POD_IP)", "--federation-name=fed",
                    "--pki-dir=/etc/meridian/pki", "--dns-provider=builtin", "--dns-port=5353", "--dns-zone-name=example.com.",
                ])
        #expect(
            container["ports"]
                == [
                    ["name": "https", "containerPort": 8443, "protocol": "TCP"],
                    ["name": "dns-tcp", "containerPort": 5353, "protocol": "TCP"],
                    ["name": "dns-udp", "containerPort": 5353, "protocol": "UDP"],
                ])
        #expect(deployment["spec"]["strategy"]["type"] == "Recreate")
        #expect(
            deployment["spec"]["template"]["spec"]["volumes"][0] == ["name": "data", "persistentVolumeClaim": ["claimName": "fed-data"]])
        #expect(deployment["spec"]["template"]["spec"]["serviceAccountName"] == "fed-control-plane")
    }

    @Test func aProviderConfigIsMountedFromItsOwnSecretAndNoClaimMeansEmptyDir() {
        let manifests = Self.manifests(dnsConfig: "tenant-id = t\n", storage: nil)
        let kinds = manifests.objects.map { "\($0.type.kind)/\($0.object["metadata"]["name"].stringValue ?? "")" }
        #expect(
            kinds == [
                "Namespace/federation-system", "ServiceAccount/fed-control-plane", "Role/fed-control-plane",
                "RoleBinding/fed-control-plane",
                "Secret/fed-credentials", "Secret/fed-dns-provider", "Deployment/fed-control-plane", "Service/fed-apiserver",
            ])
        let spec = manifests.deployment["spec"]["template"]["spec"]
        #expect(spec["volumes"][0] == ["name": "data", "emptyDir": .emptyObject])
        #expect(spec["containers"][0]["args"].arrayValue?.last == "--dns-provider-config=/etc/meridian/dns/provider.conf")
        #expect(manifests.dnsSecret?["data"]["provider.conf"] == "dGVuYW50LWlkID0gdAo=")
    }

    @Test func theServiceAnswersDNSOnlyWhenTheControlPlaneServesIt() {
        var manifests = Self.manifests()
        #expect(
            manifests.service["spec"]["ports"]
                == [
                    ["name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"],
                    ["name": "dns-tcp", "port": 53, "targetPort": "dns-tcp", "protocol": "TCP"],
                    ["name": "dns-udp", "port": 53, "targetPort": "dns-udp", "protocol": "UDP"],
                ])
        // An external provider serves the zone: no DNS port, no --dns-port.
        manifests.dnsProvider = "azure-azuredns"
        #expect(manifests.service["spec"]["ports"] == [["name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"]])
        #expect(!(manifests.arguments.contains { $0.hasPrefix("--dns-port") }))
    }

    @Test func theCredentialsHashFollowsTheCredentialsOnly() {
        let a = Self.manifests()
        var b = Self.manifests()
        #expect(a.credentialsHash == b.credentialsHash)
        b.image = "other:2"
        #expect(a.credentialsHash == b.credentialsHash)
        b.credentials["admin.key"] = "NEW"
        #expect(a.credentialsHash != b.credentialsHash)
    }
}

@Suite struct ResidentMemoryTests {
    @Test func smapsMappingsCarryTheirAnonymousPages() {
        let smaps = """
            5620a000-5620c000 r-xp 00000000 08:01 123 /usr/bin/meridian
            Size:                  8 kB
            Rss:                   8 kB
            Anonymous:             0 kB
            5620c000-5620d000 r--p 00002000 08:01 123 /usr/bin/meridian
            Rss:                   4 kB
            Anonymous:             4 kB
            7f00000-7f01000 rw-p 00000000 00:00 0
            Anonymous:             4 kB
            """
        let mappings = ResidentMemory.mappings(smaps)
        #expect(mappings.map(\.start) == [0x5620_a000, 0x5620_c000, 0x7f00000])
        #expect(mappings.map(\.permissions) == ["r-xp", "r--p", "rw-p"])
        #expect(mappings.map(\.path) == ["/usr/bin/meridian", "/usr/bin/meridian", ""])
        #expect(mappings.map(\.anonymousKiB) == [0, 4, 4])
    }

    /// The process's own smaps, read whole: every mapping up to the last (the stack and
    /// vsyscall pages come after the shared libraries).
    @Test func ownSmapsAreReadToTheEnd() throws {
        let smaps = try #require(ResidentMemory.readProcFile("/proc/self/smaps"))
        let mappings = ResidentMemory.mappings(smaps)
        #expect(smaps.utf8.count > 16_384)
        #expect(mappings.contains { $0.path == "[stack]" })
        #expect(mappings.contains { $0.path.hasSuffix("libswiftCore.so") && $0.permissions == "r-xp" })
    }
}
