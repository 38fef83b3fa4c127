import FederationAPI
import KubeAPI
import KubeClient

/// What a federation API server needs before its controllers start: the federation
/// resources (as CustomResourceDefinitions, updated in place on upgrade) and the
/// `federation-system` namespace for member credentials.
public enum FederationBootstrap {
    public static func install(_ client: KubeClient) async throws(KubeClientError) {
        for definition in FederationResources.definitions {
            let name = definition["metadata"]["name"].stringValue ?? ""
            if var existing = try await client.getIfExists(.customResourceDefinitions, name: name) {
                if existing["spec"] != definition["spec"] {
                    existing["spec"] = definition["spec"]
                    do {
                        _ = try await client.update(.customResourceDefinitions, existing)
                    } catch {
                        if !error.isConflict { throw error }
                    }
                }
            } else {
                do {
                    _ = try await client.create(.customResourceDefinitions, definition)
                } catch {
                    // Installed concurrently (the control plane and `join` both install).
                    if !error.isAlreadyExists { throw error }
                }
            }
        }
        do {
            _ = try await client.create(
                .namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Federation.systemNamespace)]])
        } catch {
            if !error.isAlreadyExists { throw error }
        }
    }
}
