"""Creates a Job, a StatefulSet, a DaemonSet and a CronJob through the official Python
client against a sandbox, waits for the controllers, and prints what the client's typed
models read back (deserialisation fails loudly if a status field has the wrong shape)."""
import json
import sys
import time

from kubernetes import client, config

config.load_kube_config(config_file=sys.argv[1])
ns = "default"
batch = client.BatchV1Api()
apps = client.AppsV1Api()
core = client.CoreV1Api()

container = client.V1Container(name="main", image="busybox")
labels = {"app": "py"}
batch.create_namespaced_job(ns, client.V1Job(
    metadata=client.V1ObjectMeta(name="py-job"),
    spec=client.V1JobSpec(completions=2, parallelism=2, template=client.V1PodTemplateSpec(
        spec=client.V1PodSpec(restart_policy="Never", containers=[container])))))
apps.create_namespaced_stateful_set(ns, client.V1StatefulSet(
    metadata=client.V1ObjectMeta(name="py-sts"),
    spec=client.V1StatefulSetSpec(replicas=2, service_name="py", selector=client.V1LabelSelector(match_labels=labels),
                                  template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels),
                                                                    spec=client.V1PodSpec(containers=[container])))))
apps.create_namespaced_daemon_set(ns, client.V1DaemonSet(
    metadata=client.V1ObjectMeta(name="py-ds"),
    spec=client.V1DaemonSetSpec(selector=client.V1LabelSelector(match_labels={"app": "py-ds"}),
                                template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"app": "py-ds"}),
                                                                  spec=client.V1PodSpec(containers=[container])))))
batch.create_namespaced_cron_job(ns, client.V1CronJob(
    metadata=client.V1ObjectMeta(name="py-cron"),
    spec=client.V1CronJobSpec(schedule="@hourly", job_template=client.V1JobTemplateSpec(spec=client.V1JobSpec(
        template=client.V1PodTemplateSpec(spec=client.V1PodSpec(restart_policy="OnFailure", containers=[container])))))))


def until(read, accept, timeout=60):
    deadline = time.time() + timeout
    while True:
        obj = read()
        if accept(obj) or time.time() > deadline:
            return obj
        time.sleep(0.2)


job = until(lambda: batch.read_namespaced_job_status("py-job", ns),
            lambda j: any(c.type == "Complete" and c.status == "True" for c in ((j.status and j.status.conditions) or [])))
sts = until(lambda: apps.read_namespaced_stateful_set_status("py-sts", ns),
            lambda s: s.status is not None and s.status.ready_replicas == 2 and s.status.current_revision == s.status.update_revision)
ds = until(lambda: apps.read_namespaced_daemon_set_status("py-ds", ns),
           lambda d: d.status is not None and d.status.number_available == d.status.desired_number_scheduled == 3)
cron = batch.read_namespaced_cron_job("py-cron", ns)
revisions = apps.list_namespaced_controller_revision(ns)

print(json.dumps({
    "job": {"succeeded": job.status.succeeded, "conditions": sorted(c.type for c in job.status.conditions),
            "started": job.status.start_time is not None, "completed": job.status.completion_time is not None,
            "ready": job.status.ready},
    "sts": {"replicas": sts.status.replicas, "ready": sts.status.ready_replicas, "updated": sts.status.updated_replicas,
            "sameRevision": sts.status.current_revision == sts.status.update_revision,
            "collisionCount": sts.status.collision_count, "observed": sts.status.observed_generation == sts.metadata.generation},
    "ds": {"desired": ds.status.desired_number_scheduled, "current": ds.status.current_number_scheduled,
           "ready": ds.status.number_ready, "updated": ds.status.updated_number_scheduled,
           "misscheduled": ds.status.number_misscheduled},
    "cron": {"schedule": cron.spec.schedule, "active": cron.status.active if cron.status else None},
    "revisions": sorted(r.revision for r in revisions.items),
    "stsPods": sorted(p.metadata.name for p in core.list_namespaced_pod(ns, label_selector="app=py").items),
}))
