import KubeAPI
import Testing

@testable import APIServer

@Suite struct ProtobufTests {
    typealias W = OpenAPIv2Protobuf.Writer

    /// Wraps an encoded object in the `k8s\0` + runtime.Unknown envelope.
    func envelope(apiVersion: String, kind: String, _ body: (inout W) -> Void) -> [UInt8] {
        var w = W()
        w.message(1) { meta in
            meta.string(1, apiVersion)
            meta.string(2, kind)
        }
        var object = W()
        body(&object)
        w.tag(2, 2)
        w.varint(UInt64(object.bytes.count))
        w.bytes.append(contentsOf: object.bytes)
        return KubernetesProtobuf.magic + w.bytes
    }

    @Test func decodesAServiceWithIntOrStringAndMaps() throws {
        let bytes = envelope(apiVersion: "v1", kind: "Service") { svc in
            svc.message(1) { meta in
                meta.string(1, "web")
                meta.message(11) { labels in  // labels map entry
                    labels.string(1, "app")
                    labels.string(2, "web")
                }
            }
            svc.message(2) { spec in
                spec.message(1) { port in  // ports[0]
                    port.string(1, "http")
                    port.string(2, "TCP")
                    port.int64(3, 80)
                    port.message(4) { target in  // IntOrString string form
                        target.int64(1, 1)
                        target.string(3, "http-alt")
                    }
                    port.int64(5, 0)  // unset nodePort, always written by Go
                }
                spec.message(2) { sel in
                    sel.string(1, "app")
                    sel.string(2, "web")
                }
                spec.string(4, "NodePort")
            }
        }
        let object = try KubernetesProtobuf.decode(bytes)
        #expect(
            object
                == json(
                    #"""
                    {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"app":"web"}},
                     "spec":{"type":"NodePort","selector":{"app":"web"},"ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":"http-alt"}]}}
                    """#))
    }

    @Test func keepsMeaningfulZerosAndDecodesTime() throws {
        let bytes = envelope(apiVersion: "apps/v1", kind: "Deployment") { d in
            d.message(1) { meta in
                meta.string(1, "d")
                meta.message(8) { t in t.int64(1, 1_767_268_800) }  // creationTimestamp
            }
            d.message(2) { spec in spec.int64(1, 0) }  // replicas: 0 is a real value
        }
        let object = try KubernetesProtobuf.decode(bytes)
        #expect(object["spec"]["replicas"] == 0)
        #expect(object["metadata"]["creationTimestamp"] == "2026-01-01T12:00:00Z")
    }

    @Test func rejectsGarbage() {
        #expect(throws: StatusError.self) { try KubernetesProtobuf.decode([1, 2, 3]) }
        #expect(throws: StatusError.self) { try KubernetesProtobuf.decode(KubernetesProtobuf.magic + [0x0A, 0xFF]) }
        let unknown = envelope(apiVersion: "example.com/v1", kind: "Widget") { _ in }
        #expect(throws: StatusError.self) { try KubernetesProtobuf.decode(unknown) }
    }

    @Test func goDurations() {
        #expect(KubernetesProtobuf.goDuration(90_000_000_000) == "1m30s")
        #expect(KubernetesProtobuf.goDuration(3_600_000_000_000) == "1h0m0s")
        #expect(KubernetesProtobuf.goDuration(1_500_000) == "1.5ms")
    }
}
