import KubeAPI

extension KubeClient {
    /// How a watch ended.
    public enum WatchEnd: Sendable, Equatable {
        /// The server closed the stream (its timeout); re-watch from the last resourceVersion.
        case closed
        /// The handler asked to stop.
        case stopped
        /// The resourceVersion is too old (410 Gone / Expired): re-list.
        case expired
    }

    /// Watches `type` and hands every event to `onEvent` until the server ends the stream or
    /// `onEvent` returns false. ERROR events other than 410 are thrown as `.status`.
    public func watch(
        _ type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions(),
        onEvent: @Sendable (WatchEvent) async -> Bool
    ) async throws(KubeClientError) -> WatchEnd {
        var query = options.queryItems
        query.append(("watch", "true"))
        let path = type.path(namespace: namespace) + Query.encode(query)
        var outcome = WatchEnd.closed
        var failure: KubeClientError?
        var firstLine: [UInt8]?
        let status: Int
        do {
            status = try await transport.stream(path) { line in
                guard !line.isEmpty else { return true }
                guard let event = try? JSONParser.parse(line), let kind = event["type"].stringValue.flatMap(WatchEvent.EventType.init)
                else {
                    firstLine = firstLine ?? line
                    return false
                }
                if kind == .error {
                    let s = event["object"]
                    if s["code"].intValue == 410 {
                        outcome = .expired
                    } else {
                        failure = .status(
                            StatusError(
                                code: Int(s["code"].intValue ?? 500), reason: s["reason"].stringValue.flatMap(StatusReason.init),
                                message: s["message"].stringValue ?? "watch error"))
                    }
                    return false
                }
                if await onEvent(WatchEvent(type: kind, object: event["object"])) { return true }
                outcome = .stopped
                return false
            }
        } catch let error as KubeClientError {
            throw error
        } catch {
            throw .transport("watch \(type): \(error)")
        }
        if status >= 400 {
            let response = KubeResponse(status: status, body: firstLine ?? [])
            if status == 410 { return .expired }
            throw .status(response.statusError ?? StatusError(code: status, reason: nil, message: "watch \(type) failed"))
        }
        if let failure { throw failure }
        return outcome
    }
}
