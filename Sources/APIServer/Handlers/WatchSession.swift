import KubeAPI
import Store

/// One watch: the initial events (when asked for) and then store events turned into
/// Kubernetes watch events, filtered by selectors the way kube-apiserver filters them
/// (an object that stops matching is DELETED for this watcher, one that starts is ADDED).
struct WatchSession: Sendable {
    let storage: RESTStorage
    let def: ResourceDefinition
    let namespace: String?
    let labelSelector: LabelSelector
    let fieldSelector: FieldSelector
    let resourceVersion: String?
    let sendInitialEvents: Bool?
    let allowBookmarks: Bool
    /// Stream stored bytes (with resourceVersion spliced in) instead of decoded objects.
    var rawJSON = false

    struct Event: Sendable {
        var type: String
        var object: JSONValue
        var raw: [UInt8]? = nil
    }

    private func matches(_ object: JSONValue) -> Bool {
        labelSelector.matches(RESTStorage.labels(object)) && fieldSelector.matches(RESTStorage.fields(object, def))
    }

    private func bookmark(_ revision: Revision, initialEnd: Bool) -> Event {
        var meta: JSONValue = ["resourceVersion": .string(String(revision))]
        if initialEnd { meta["annotations"] = ["k8s.io/initial-events-end": "true"] }
        return Event(type: "BOOKMARK", object: ["kind": .string(def.kind), "apiVersion": .string(def.groupVersion), "metadata": meta])
    }

    static func errorEvent(_ error: StatusError) -> Event {
        Event(type: "ERROR", object: error.statusObject)
    }

    /// Runs until the store stream ends or the task is cancelled; `emit` writes one event.
    func run(emit: (Event) async throws -> Void) async throws {
        let rv = resourceVersion ?? ""
        let startRevision: Revision
        let initial = sendInitialEvents ?? (rv.isEmpty || rv == "0")
        if initial {
            let list = try await storage.list(
                def, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, limit: 0,
                continueToken: nil, resourceVersion: (rv.isEmpty || rv == "0") ? nil : rv)
            for item in list.items { try await emit(Event(type: "ADDED", object: item)) }
            startRevision = list.resourceVersion
            if sendInitialEvents == true && allowBookmarks { try await emit(bookmark(startRevision, initialEnd: true)) }
        } else if rv.isEmpty || rv == "0" {
            startRevision = try await currentRevision()
        } else {
            guard let r = Revision(rv) else { throw StatusError.badRequest("invalid resource version: \(rv)") }
            startRevision = r
        }
        let stream: AsyncStream<WatchMessage>
        do {
            stream = try await storage.store.watch(prefix: def.storagePrefix(namespace: namespace), after: startRevision)
        } catch {
            try await emit(Self.errorEvent(StatusError.from(error, def, name: "")))
            return
        }
        // Decided once per watch, not per event.
        let pinned = pinnedName
        let filtering = filtersOnObject
        for await message in stream {
            switch message {
            case .events(let events):
                for e in events {
                    if let out = try translate(e, pinnedName: pinned, filtering: filtering) { try await emit(out) }
                }
            case .progress(let revision):
                if allowBookmarks { try await emit(bookmark(revision, initialEnd: false)) }
            case .failed(let error):
                try await emit(Self.errorEvent(StatusError.from(error, def, name: "")))
                return
            }
        }
    }

    private func currentRevision() async throws(StatusError) -> Revision {
        do {
            return try await storage.store.currentRevision()
        } catch {
            throw StatusError.from(error, def, name: "")
        }
    }

    /// The object name a field selector pins (`metadata.name=x`), checked on keys before
    /// anything is decoded.
    private var pinnedName: String? {
        fieldSelector.requirements.first { $0.field == "metadata.name" && !$0.negated }?.value
    }

    /// Whether an event's object must be decoded to decide it. A field selector that only
    /// pins the name is decided on the key, so a watch on one object (a common client
    /// pattern) stays on the raw path instead of decoding and re-encoding every event.
    private var filtersOnObject: Bool {
        guard labelSelector.isEmpty else { return true }
        guard let name = pinnedName else { return !fieldSelector.isEmpty }
        return !fieldSelector.requirements.allSatisfy { $0.field == "metadata.name" && !$0.negated && $0.value == name }
    }

    private func translate(_ e: StoreEvent, pinnedName: String?, filtering: Bool) throws(StatusError) -> Event? {
        if let name = pinnedName, !e.kv.key.hasSuffix("/" + name) { return nil }
        if rawJSON && !filtering, let raw = RawObject.withResourceVersion(e.kv) {
            let type = e.kind == .delete ? "DELETED" : (e.previous == nil ? "ADDED" : "MODIFIED")
            return Event(type: type, object: .null, raw: raw)
        }
        let object = try ObjectCodec.decode(e.kv, def)
        switch e.kind {
        case .delete:
            // A delete carries the last value, so the object itself decides the match.
            if filtering && !matches(object) { return nil }
            return Event(type: "DELETED", object: object)
        case .put:
            guard filtering else { return Event(type: e.previous == nil ? "ADDED" : "MODIFIED", object: object) }
            let now = matches(object)
            let before = try e.previous.map { (kv: KeyValue) throws(StatusError) in matches(try ObjectCodec.decode(kv, def)) } ?? false
            switch (before, now) {
            case (true, true): return Event(type: "MODIFIED", object: object)
            case (false, true): return Event(type: "ADDED", object: object)
            case (true, false): return Event(type: "DELETED", object: object)
            case (false, false): return nil
            }
        }
    }
}
