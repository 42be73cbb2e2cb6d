"""``/version``, ``/api``, ``/apis`` and the per-group resource lists, enough for clients that discover."""

from __future__ import annotations

from tests.kube_server.objects import JSON, KUBERNETES_VERSION
from tests.kube_server.resources import API_VERSIONS, RESOURCES


def version() -> JSON:
    major, minor, _ = KUBERNETES_VERSION.lstrip("v").split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
        "gitTreeState": "clean",
        "buildDate": "2024-12-10T11:37:14Z",
        "goVersion": "go1.22.9",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def core_versions(address: str) -> JSON:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def groups() -> JSON:
    entries = []
    for group_version in API_VERSIONS:
        if "/" not in group_version:
            continue
        group, version_name = group_version.split("/")
        preferred = {"groupVersion": group_version, "version": version_name}
        entries.append({"name": group, "versions": [preferred], "preferredVersion": preferred})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": entries}


def resources(group_version: str) -> JSON | None:
    listed = []
    for rtype in RESOURCES.values():
        if rtype.api_version != group_version:
            continue
        verbs = ["get", "list", "watch"] if rtype.watchable else ["get", "list"]
        entry: JSON = {
            "name": rtype.plural,
            "singularName": rtype.singular,
            "namespaced": rtype.namespaced,
            "kind": rtype.kind,
            "verbs": verbs,
        }
        if rtype.short_names:
            entry["shortNames"] = list(rtype.short_names)
        listed.append(entry)
        if rtype.name == "pods":
            listed.append(
                {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]}
            )
    if not listed:
        return None
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": listed}
