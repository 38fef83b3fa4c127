import KubeAPI
import KubeClient

/// The metadata an EndpointSlice controller puts on the slices of one Service.
struct SliceMetadata: Sendable {
    var namespace: String
    /// `<service>-`: the API server appends five random characters.
    var generateName: String
    var labels: [String: String]
    var annotations: [String: String]
    var owner: JSONValue

    /// Whether `slice` carries other labels, annotations or owner than these. The
    /// trigger time alone is no reason to write.
    func differs(from slice: JSONValue) -> Bool {
        var theirs = slice.annotations
        var ours = annotations
        theirs[ServiceLabels.lastChangeTriggerTime] = nil
        ours[ServiceLabels.lastChangeTriggerTime] = nil
        return slice.labels != labels || theirs != ours || slice.ownerReferences != [owner]
    }
}

/// Carries out a `SlicePlan` against the API server, telling the tracker what it did.
struct EndpointSliceWriter: Sendable {
    let client: KubeClient
    let tracker: EndpointSliceTracker

    func apply(_ plan: SlicePlan, for key: ObjectKey, metadata: SliceMetadata) async throws(KubeClientError) {
        for content in plan.creates {
            let created = try await client.create(.endpointSlices, namespace: metadata.namespace, object(content, metadata))
            tracker.created(created.name, for: key)
        }
        for (existing, content) in plan.updates {
            // Stale resourceVersion → conflict → the queue retries with a fresher cache.
            _ = try await client.update(.endpointSlices, object(content, metadata, existing: existing))
        }
        for slice in plan.deletes {
            try await client.deleteIfExists(.endpointSlices, namespace: metadata.namespace, name: slice.name)
            tracker.deleted(slice.name, for: key)
        }
    }

    /// Deletes every slice in `slices`.
    func deleteAll(_ slices: [JSONValue], for key: ObjectKey) async throws(KubeClientError) {
        for slice in slices {
            try await client.deleteIfExists(.endpointSlices, namespace: slice.namespace, name: slice.name)
            tracker.deleted(slice.name, for: key)
        }
    }

    func object(_ content: SliceContent, _ metadata: SliceMetadata, existing: JSONValue? = nil) -> JSONValue {
        var slice: JSONValue =
            existing ?? [
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": ["generateName": .string(metadata.generateName), "namespace": .string(metadata.namespace)],
            ]
        slice["metadata"]["labels"] = .object(metadata.labels.mapValues { .string($0) })
        slice["metadata"]["annotations"] = metadata.annotations.isEmpty ? .null : .object(metadata.annotations.mapValues { .string($0) })
        slice["metadata"]["ownerReferences"] = [metadata.owner]
        slice["addressType"] = .string(content.addressType)
        slice["endpoints"] = .array(content.endpoints)
        slice["ports"] = content.ports.isEmpty ? .null : .array(content.ports.map(\.json))
        return slice
    }
}
