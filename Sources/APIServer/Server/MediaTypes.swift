import Foundation

/// Content negotiation: what the client asked to receive.
struct AcceptedRepresentation: Equatable {
    enum Kind: Equatable {
        case json
        case table(version: String)
        case partialMetadata(version: String, list: Bool)
        case discoveryV2(apiVersion: String, contentType: String)
        case yaml
    }
    var kind: Kind

    /// Picks the first representation in the Accept header that the server can produce.
    static func parse(_ header: String?) -> AcceptedRepresentation? {
        guard let header, !header.isEmpty else { return AcceptedRepresentation(kind: .json) }
        for entry in header.split(separator: ",") {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = parts.first else { continue }
            var params: [String: String] = [:]
            for p in parts.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { params[kv[0]] = kv[1] }
            }
            switch type {
            case "application/json", "*/*", "application/*":
                switch (params["as"], params["g"], params["v"]) {
                case (nil, _, _): return AcceptedRepresentation(kind: .json)
                case ("Table", "meta.k8s.io", let v?) where v == "v1" || v == "v1beta1":
                    return AcceptedRepresentation(kind: .table(version: v))
                case ("PartialObjectMetadata", "meta.k8s.io", let v?), ("PartialObjectMetadataList", "meta.k8s.io", let v?):
                    return AcceptedRepresentation(kind: .partialMetadata(version: v, list: params["as"] == "PartialObjectMetadataList"))
                case ("APIGroupDiscoveryList", "apidiscovery.k8s.io", let v?) where v == "v2" || v == "v2beta1":
                    return AcceptedRepresentation(
                        kind: .discoveryV2(
                            apiVersion: "apidiscovery.k8s.io/\(v)",
                            contentType: "application/json;g=apidiscovery.k8s.io;v=\(v);as=APIGroupDiscoveryList"))
                default: continue
                }
            case "application/yaml":
                if params["as"] == nil { return AcceptedRepresentation(kind: .yaml) }
            default:
                continue
            }
        }
        return nil
    }
}
