"""Drives a Meridian API server with the official Kubernetes Python client and prints
what it observed as one JSON document (the Swift test asserts on it)."""
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
core = client.CoreV1Api()
apps = client.AppsV1Api()
ns = sys.argv[2]
out = {}

core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
for i in range(5):
    core.create_namespaced_config_map(ns, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=f"cm-{i}", labels={"parity": "even" if i % 2 == 0 else "odd"}),
        data={"i": str(i)}))

out["even"] = [c.metadata.name for c in core.list_namespaced_config_map(ns, label_selector="parity=even").items]
page1 = core.list_namespaced_config_map(ns, limit=2)
page2 = core.list_namespaced_config_map(ns, limit=2, _continue=page1.metadata._continue)
page3 = core.list_namespaced_config_map(ns, limit=2, _continue=page2.metadata._continue)
out["pages"] = [[c.metadata.name for c in p.items] for p in (page1, page2, page3)]
out["remaining"] = page1.metadata.remaining_item_count
out["lastContinue"] = page3.metadata._continue

# Watch from the list's resourceVersion while another thread writes.
rv = core.list_namespaced_config_map(ns).metadata.resource_version
events = []
def writer():
    core.patch_namespaced_config_map("cm-0", ns, {"data": {"i": "changed"}})
    core.delete_namespaced_config_map("cm-1", ns)
w = watch.Watch()
t = threading.Timer(0.5, writer)
t.start()
for e in w.stream(core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=10):
    events.append([e["type"], e["object"].metadata.name])
    if len(events) == 2:
        w.stop()
out["watch"] = events

dep = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="web"),
    spec=client.V1DeploymentSpec(
        replicas=1, selector=client.V1LabelSelector(match_labels={"app": "web"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "web"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="nginx", image="nginx:1.25")]))))
apps.create_namespaced_deployment(ns, dep)
patched = apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}})
out["containers"] = sorted(c.name for c in patched.spec.template.spec.containers)
scaled = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 4}})
out["scale"] = [scaled.kind, scaled.spec.replicas]
out["replicas"] = apps.read_namespaced_deployment("web", ns).spec.replicas
out["strategy"] = apps.read_namespaced_deployment("web", ns).spec.strategy.type

errors = {}
def code(name, f):
    try:
        f()
        errors[name] = None
    except ApiException as e:
        body = json.loads(e.body)
        errors[name] = [e.status, body.get("reason"), body.get("message")]
code("notFound", lambda: core.read_namespaced_config_map("nope", ns))
code("exists", lambda: core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm-0"))))
code("invalid", lambda: core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="Bad_Name"))))
code("conflict", lambda: core.replace_namespaced_config_map("cm-2", ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cm-2", resource_version="1"))))
out["errors"] = errors

status = core.delete_namespaced_config_map("cm-2", ns)
out["deleteStatus"] = status["status"] if isinstance(status, dict) else status.status
out["left"] = sorted(c.metadata.name for c in core.list_namespaced_config_map(ns).items)
print(json.dumps(out))
