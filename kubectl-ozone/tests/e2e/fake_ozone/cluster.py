"""What the fake Ozone learns from the real API server: the namespace's pods, StatefulSets and
ConfigMaps, read with kubectl (${FAKE_OZONE_KUBECONFIG:-${HARNESS_DIR:-/tmp/ozone-harness}/sim/admin.kubeconfig}).

Ozone's view of its own cluster follows the pods: a datanode registers when its pod runs, an
OM or SCM answers roles while its pod is ready, the version is the image's."""
import json
import os
import subprocess

INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
HOLD_COMMAND = ["sleep", "infinity"]
PRIMORDIAL_ENV = "OZONE-SITE.XML_ozone.scm.primordial.node.id"


def kubeconfig():
    explicit = os.environ.get("FAKE_OZONE_KUBECONFIG")
    if explicit:
        return explicit
    harness = os.environ.get("HARNESS_DIR") or os.path.join(
        os.environ.get("TMPDIR") or "/tmp", "ozone-harness"
    )
    return os.path.join(harness, "sim", "admin.kubeconfig")


def read(namespace):
    """Every pod, StatefulSet and ConfigMap of the namespace, as one kubectl List."""
    out = subprocess.run(
        ["kubectl", "--kubeconfig", kubeconfig(), "-n", namespace, "get",
         "pods,statefulsets.apps,configmaps", "-o", "json"],
        capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError("fake ozone: cannot read the cluster: " + out.stderr.strip())
    return json.loads(out.stdout)["items"]


class Pod:
    def __init__(self, obj):
        meta = obj["metadata"]
        labels = meta.get("labels") or {}
        self.name = meta["name"]
        self.uid = meta.get("uid", "")
        self.instance = labels.get(INSTANCE)
        self.component = labels.get(COMPONENT)
        self.deleting = "deletionTimestamp" in meta
        status = obj.get("status") or {}
        self.phase = status.get("phase")
        self.ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in status.get("conditions") or []
        ) and not self.deleting
        spec = obj.get("spec") or {}
        self.claims = sorted(
            v["persistentVolumeClaim"]["claimName"]
            for v in spec.get("volumes") or []
            if v.get("persistentVolumeClaim", {}).get("claimName")
        )
        containers = spec.get("containers") or []
        main = next((c for c in containers if c.get("name") == self.component), None)
        main = main or (containers[0] if containers else {})
        self.image = main.get("image", "")
        self.held = main.get("command") == HOLD_COMMAND
        self.bootstrap_args = "--bootstrap" in (main.get("args") or [])
        self.upgrade_args = any(a in ("--upgrade", "--downgrade") for a in main.get("args") or [])
        self.primordial_override = next(
            (e.get("value") for e in main.get("env") or [] if e.get("name") == PRIMORDIAL_ENV),
            None,
        )
        self.init_bootstrap = any(
            "--bootstrap" in (c.get("args") or []) for c in spec.get("initContainers") or []
        )
        self.init_primordial = [
            e.get("value")
            for c in spec.get("initContainers") or []
            for e in c.get("env") or []
            if e.get("name") == PRIMORDIAL_ENV
        ]

    @property
    def ordinal(self):
        tail = self.name.rsplit("-", 1)[-1]
        return int(tail) if tail.isdigit() else -1

    @property
    def running(self):
        return self.phase == "Running" and not self.deleting

    @property
    def version(self):
        """The release an `apache/ozone:X.Y.Z[-flavour]` image runs (None for another tag)."""
        tag = self.image.rsplit(":", 1)[-1] if ":" in self.image.rsplit("/", 1)[-1] else ""
        number = tag.split("-", 1)[0]
        parts = number.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return number
        return None


class Cluster:
    """One Ozone cluster (an `app.kubernetes.io/instance`) of the namespace."""

    def __init__(self, namespace, name, items):
        self.namespace = namespace
        self.name = name
        self.pods = []
        self.replicas = {}
        self.config = {}
        for obj in items:
            kind = obj.get("kind")
            meta = obj["metadata"]
            labels = meta.get("labels") or {}
            if kind == "Pod" and labels.get(INSTANCE) == name:
                self.pods.append(Pod(obj))
            elif kind == "StatefulSet" and labels.get(INSTANCE) == name:
                component = labels.get(COMPONENT)
                self.replicas[component] = (obj.get("spec") or {}).get("replicas", 1)
            elif kind == "ConfigMap" and meta["name"] == name + "-config":
                self.config = obj.get("data") or {}
        self.pods.sort(key=lambda p: (p.component or "", p.ordinal, p.name))

    def of(self, component):
        return [p for p in self.pods if p.component == component]

    def pod(self, name):
        return next((p for p in self.pods if p.name == name), None)

    def host(self, component, pod_name):
        """The name SCM and OM know a pod by: its DNS name under the headless Service."""
        return "%s.%s-%s-headless.%s.svc.cluster.local" % (
            pod_name, self.name, component, self.namespace)

    def site(self, key, default=None):
        """An ozone-site.xml key as the rendered ConfigMap sets it."""
        return self.config.get("OZONE-SITE.XML_" + key, default)

    @property
    def secured(self):
        return self.site("ozone.security.enabled", "false").strip().lower() == "true"

    def service_id(self, component):
        key = "ozone.om.service.ids" if component == "om" else "ozone.scm.service.ids"
        return self.site(key)


def cluster_of(namespace, pod_name, items):
    """The cluster the pod belongs to (by its instance label; the only one when unlabelled)."""
    instances = []
    for obj in items:
        if obj.get("kind") != "Pod":
            continue
        labels = obj["metadata"].get("labels") or {}
        inst = labels.get(INSTANCE)
        if obj["metadata"]["name"] == pod_name and inst:
            return Cluster(namespace, inst, items)
        if inst and inst not in instances:
            instances.append(inst)
    if len(instances) >= 1:
        return Cluster(namespace, sorted(instances)[0], items)
    return Cluster(namespace, pod_name.rsplit("-", 2)[0], items)
