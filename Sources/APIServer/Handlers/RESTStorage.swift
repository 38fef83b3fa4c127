import Foundation
import KubeAPI
import Logging
import Store

/// Options that shape a write.
struct WriteOptions: Sendable {
    var dryRun = false
    var fieldManager = ""
    /// Strict, Warn or Ignore.
    var fieldValidation = "Strict"
    var force = false
    var user = UserInfo.anonymous
    /// Apply writes carry their own managedFields; every other write is an Update.
    var isApply = false
}

/// The generic REST semantics of every resource on top of a `KVStore`: what
/// kube-apiserver's generic registry does (metadata, optimistic concurrency, generation,
/// finalizers, selectors, pagination).
struct RESTStorage: Sendable {
    let store: any KVStore
    let schemas: SchemaIndex
    let logger: Logger

    func read(_ def: ResourceDefinition, namespace: String?, name: String, decode: Bool = true) async throws(StatusError) -> (
        JSONValue, KeyValue
    ) {
        let kv: KeyValue?
        do {
            kv = try await store.get(def.storageKey(namespace: namespace, name: name))
        } catch {
            throw StatusError.from(error, def, name: name)
        }
        guard let kv else { throw StatusError.notFound(resource: def.resource, group: def.group, name: name) }
        return (decode ? try ObjectCodec.decode(kv, def) : .null, kv)
    }

    /// The object as the store's cache has it (`KVStore.cachedGet`: possibly stale, which
    /// `isCurrent` tells), or with `fresh` as the store has it now. A cache miss is
    /// confirmed by a real read before it becomes a 404.
    func readSuggestion(
        _ def: ResourceDefinition, namespace: String?, name: String, fresh: Bool = false, decode: Bool = true
    ) async throws(StatusError)
        -> (object: JSONValue, kv: KeyValue, isCurrent: Bool)
    {
        if !fresh {
            let cached: CachedRead
            do {
                cached = try await store.cachedGet(def.storageKey(namespace: namespace, name: name))
            } catch {
                throw StatusError.from(error, def, name: name)
            }
            if let kv = cached.kv { return (decode ? try ObjectCodec.decode(kv, def) : .null, kv, cached.isCurrent) }
            if cached.isCurrent { throw StatusError.notFound(resource: def.resource, group: def.group, name: name) }
        }
        let (object, kv) = try await read(def, namespace: namespace, name: name, decode: decode)
        return (object, kv, true)
    }

    /// Every object of `def` in `namespace`, for an admission check (quotas, limit ranges).
    /// From the store's cache unless `fresh`: an empty cached answer comes with the
    /// requirement that keeps it true until the create commits (nothing added or changed
    /// there since the cache's revision); a non-empty one from a cache that may lag is read
    /// again, so limits and rejections are never decided on a stale copy.
    func admissionList(_ def: ResourceDefinition, namespace: String, fresh: Bool) async throws(StatusError) -> (
        items: [JSONValue], requirement: WriteRequirement?
    ) {
        let prefix = def.storagePrefix(namespace: namespace)
        if !fresh {
            let cached: CachedRange
            do {
                cached = try await store.cachedRange(prefix: prefix)
            } catch {
                throw StatusError.from(error, def, name: "")
            }
            if cached.items.isEmpty { return ([], cached.isCurrent ? nil : .prefixUnchanged(prefix, since: cached.revision)) }
            if cached.isCurrent {
                var items: [JSONValue] = []
                for kv in cached.items { items.append(try ObjectCodec.decode(kv, def)) }
                return (items, nil)
            }
        }
        let listed = try await list(
            def, namespace: namespace, labelSelector: LabelSelector(), fieldSelector: FieldSelector(), limit: 0, continueToken: nil,
            resourceVersion: nil)
        return (listed.items, nil)
    }

    func get(_ def: ResourceDefinition, namespace: String?, name: String) async throws(StatusError) -> JSONValue {
        try await read(def, namespace: namespace, name: name).0
    }

    struct ListResult {
        var items: [JSONValue]
        /// With `raw: true` and no selectors: the stored objects, undecoded.
        var rawItems: [KeyValue] = []
        var resourceVersion: Revision
        var continueToken: String?
        var remainingItemCount: Int?
    }

    /// Field values a selector can name for this kind.
    static func fields(_ object: JSONValue, _ def: ResourceDefinition) -> [String: String] {
        var fields = def.selectableFields?(object) ?? [:]
        fields["metadata.name"] = object["metadata"]["name"].stringValue ?? ""
        if def.namespaced { fields["metadata.namespace"] = object["metadata"]["namespace"].stringValue ?? "" }
        return fields
    }

    static func labels(_ object: JSONValue) -> [String: String] {
        (object["metadata"]["labels"].objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// Checks that a field selector only names fields the kind supports (kube's BadRequest texts).
    static func checkFieldSelector(_ selector: FieldSelector, _ def: ResourceDefinition, labelSelector _: String) throws(StatusError) {
        let sample = fields(.emptyObject, def)
        for r in selector.requirements where sample[r.field] == nil {
            // kubectl adds "Unable to find ... that match ..." in front of this message.
            if def.selectableFields == nil {
                let known = def.namespaced ? "\"metadata.name\", \"metadata.namespace\"" : "\"metadata.name\""
                throw StatusError.badRequest("\"\(r.field)\" is not a known field selector: only \(known)")
            }
            throw StatusError.badRequest("field label not supported: \(r.field)")
        }
    }

    func list(
        _ def: ResourceDefinition, namespace: String?, labelSelector: LabelSelector, fieldSelector: FieldSelector,
        limit: Int, continueToken: String?, resourceVersion: String?, raw: Bool = false
    ) async throws(StatusError) -> ListResult {
        let prefix = def.storagePrefix(namespace: namespace)
        var startAfter: String?
        var atRevision: Revision?
        if let continueToken {
            let token = try ContinueToken.decode(continueToken)
            startAfter = prefix + token.start
            atRevision = token.revision
        } else if let rv = resourceVersion, !rv.isEmpty, rv != "0" {
            guard let r = Revision(rv) else { throw StatusError.badRequest("invalid resource version: \(rv)") }
            atRevision = r
        }
        let filtering = !labelSelector.isEmpty || !fieldSelector.isEmpty
        var items: [JSONValue] = []
        var rawItems: [KeyValue] = []
        let keepRaw = raw && !filtering && RawObject.servable(def)
        var lastKey: String?
        var more = false
        var remaining: Int?
        var readRevision: Revision = 0
        do {
            while true {
                let batch = limit > 0 ? max(limit - items.count - rawItems.count, filtering ? 500 : 0) : 0
                let page = try await store.range(prefix: prefix, startAfter: startAfter, limit: batch, revision: atRevision)
                atRevision = page.revision
                readRevision = page.revision
                var consumed = 0
                for kv in page.items {
                    consumed += 1
                    lastKey = kv.key
                    if keepRaw {
                        rawItems.append(kv)
                        if limit > 0 && rawItems.count == limit { break }
                        continue
                    }
                    let object = try ObjectCodec.decode(kv, def)
                    if filtering {
                        guard labelSelector.matches(Self.labels(object)), fieldSelector.matches(Self.fields(object, def)) else { continue }
                    }
                    items.append(object)
                    if limit > 0 && items.count == limit { break }
                }
                let stoppedEarly = consumed < page.items.count
                if limit > 0 && items.count + rawItems.count == limit {
                    more = stoppedEarly || page.more
                    if more && !filtering { remaining = page.count - consumed }
                    break
                }
                if !page.more { break }
                startAfter = page.items.last?.key
            }
        } catch {
            throw StatusError.from(any: error, def, name: "")
        }
        var token: String?
        if more, let lastKey {
            token = ContinueToken(revision: readRevision, start: String(lastKey.dropFirst(prefix.count))).encoded()
        }
        if limit == 0 || !more { remaining = nil }
        return ListResult(
            items: items, rawItems: rawItems, resourceVersion: readRevision, continueToken: token, remainingItemCount: remaining)
    }
}
