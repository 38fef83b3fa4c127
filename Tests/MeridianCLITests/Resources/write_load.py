"""Creates ConfigMaps from several threads until the server goes away; prints the name
and resourceVersion of every create the server acknowledged, one per line, flushed."""
import sys
import threading

from kubernetes import client, config

config.load_kube_config(config_file=sys.argv[1])
ns = sys.argv[2]
threads = int(sys.argv[3])
lock = threading.Lock()


def work(t):
    api = client.CoreV1Api()
    i = 0
    while True:
        name = f"w{t}-{i}"
        try:
            cm = api.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data={"v": name}))
        except Exception:
            return
        with lock:
            print(name, cm.metadata.resource_version, flush=True)
        i += 1


ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
