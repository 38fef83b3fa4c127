"""Creates a pod in a sandbox cluster with the official Kubernetes Python client and
watches it until it is Running and Ready; prints the phases and conditions it saw as
JSON (the Swift test asserts on it)."""
import json
import sys

from kubernetes import client, config, watch

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
ns = sys.argv[2]
core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
pod = client.V1Pod(
    metadata=client.V1ObjectMeta(name="watched"),
    spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")]))
created = core.create_namespaced_pod(ns, pod)
seen = []
w = watch.Watch()
for event in w.stream(core.list_namespaced_pod, ns, field_selector="metadata.name=watched",
                      resource_version=created.metadata.resource_version, timeout_seconds=30):
    p = event["object"]
    ready = any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))
    state = [event["type"], p.status.phase, bool(p.spec.node_name), ready]
    if not seen or seen[-1] != state:
        seen.append(state)
    if ready:
        w.stop()
final = core.read_namespaced_pod("watched", ns)
print(json.dumps({
    "transitions": seen,
    "node": final.spec.node_name,
    "podIP": final.status.pod_ip,
    "containerReady": final.status.container_statuses[0].ready,
    "image": final.status.container_statuses[0].image,
}))
