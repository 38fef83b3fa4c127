import KubeAPI
import KubeClient
import Testing

@testable import Federation

/// Which member watch events need a full propagation pass and which only a status refresh.
@Suite struct MemberEventRoutingTests {
    let key = FederatedKey(type: .configMaps, key: ObjectKey(namespace: "apps", name: "settings"))

    func copy(_ resourceVersion: String, data: String = "1", status: JSONValue = .null) -> JSONValue {
        var object: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "settings", "namespace": "apps", "resourceVersion": .string(resourceVersion)],
            "data": ["v": .string(data)],
        ]
        if !status.isNull { object["status"] = status }
        return object
    }

    @Test func theEchoOfMeridiansOwnApplyIsStatusOnly() {
        let ledger = PropagationLedger()
        ledger.beginApply("east", key)
        #expect(!ledger.endApply("east", key, copy: copy("0"), resourceVersion: "41"))
        let route = { (event: InformerEvent, cluster: String) in
            PropagationController.isStatusOnly(event, cluster: cluster, key: key, ledger: ledger)
        }
        #expect(route(.added(copy("41")), "east"))
        #expect(route(.updated(old: copy("40"), new: copy("41", data: "2")), "east"))
        // Another member, another resourceVersion, or a deletion: someone else's doing.
        #expect(!route(.added(copy("41")), "west"))
        #expect(!route(.added(copy("42")), "east"))
        #expect(!route(.updated(old: copy("41"), new: copy("42", data: "changed")), "east"))
        #expect(!route(.deleted(copy("41")), "east"))
        // A change of status alone never needs a pass.
        #expect(route(.updated(old: copy("41"), new: copy("43", status: ["ready": 1])), "west"))
        ledger.forget("east", key)
        #expect(!route(.added(copy("41")), "east"))
    }

    @Test func theLedgerKnowsWhatWasAppliedLast() {
        let ledger = PropagationLedger()
        #expect(!ledger.contains("east", key))
        ledger.beginApply("east", key)
        #expect(!ledger.contains("east", key))
        ledger.endApply("east", key, copy: copy("0"), resourceVersion: nil)
        #expect(ledger.contains("east", key))
        #expect(ledger.isLastApplied("east", key, copy: copy("0")))
        #expect(!ledger.isLastApplied("east", key, copy: copy("0", data: "2")))
        #expect(!ledger.isOwnWrite("east", key, resourceVersion: nil))
        // A failed first apply leaves nothing behind.
        ledger.beginApply("west", key)
        ledger.endApply("west", key, copy: nil, resourceVersion: nil)
        #expect(!ledger.contains("west", key))
    }

    /// The watch often delivers an apply's result before the apply's response arrives.
    @Test func whatTheWatchDeliversDuringAnApplyIsCheckedAfterIt() {
        let ledger = PropagationLedger()
        ledger.beginApply("east", key)
        #expect(ledger.isOwnWrite("east", key, resourceVersion: "7"))
        // Only this write's own version came: nothing to look at again.
        #expect(!ledger.endApply("east", key, copy: copy("0"), resourceVersion: "7"))
        #expect(ledger.isOwnWrite("east", key, resourceVersion: "7"))
        #expect(!ledger.isOwnWrite("east", key, resourceVersion: "8"))
        // Somebody else's version came too: the pass looks again.
        ledger.beginApply("east", key)
        #expect(ledger.isOwnWrite("east", key, resourceVersion: "9"))
        #expect(ledger.isOwnWrite("east", key, resourceVersion: "10"))
        #expect(ledger.endApply("east", key, copy: copy("0", data: "2"), resourceVersion: "9"))
        #expect(!ledger.isOwnWrite("east", key, resourceVersion: "10"))
        // A failed apply during which the watch delivered something looks again too.
        ledger.beginApply("east", key)
        #expect(ledger.isOwnWrite("east", key, resourceVersion: "11"))
        #expect(ledger.endApply("east", key, copy: nil, resourceVersion: nil))
        #expect(ledger.isLastApplied("east", key, copy: copy("0", data: "2")))
    }
}
