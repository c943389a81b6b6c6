"""A fake Hugging Face Hub at the HTTP boundary: huggingface_hub itself runs, its HTTP client talks
to a handler that serves model repositories from local folders and records what was uploaded."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

huggingface_hub = pytest.importorskip("huggingface_hub")
hub_constants = pytest.importorskip("huggingface_hub.constants")
hub_http = pytest.importorskip("huggingface_hub.utils._http")
httpx = pytest.importorskip("httpx2")  # the HTTP client huggingface_hub 1.x and later is built on

COMMIT = "c" * 40


@dataclass
class FakeHub:
    repos: dict[str, Path] = field(default_factory=dict)  # repo id -> folder served as that repository
    requests: list[tuple[str, str]] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)
    uploaded: dict[str, bytes] = field(default_factory=dict)  # path -> bytes of the last commit
    status: int | None = None  # answer every request with this status (401, 503, ...)
    unreachable: bool = False  # every connection fails, as without a network

    def handle(self, request):
        self.requests.append((request.method, request.url.path))
        path = request.url.path
        if path == "/api/agent-harnesses":  # huggingface_hub's own registry look-up
            return httpx.Response(200, json={"harnesses": []})
        if self.unreachable:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)
        if self.status:
            return httpx.Response(self.status, json={"error": "refused"})
        if path == "/api/repos/create":
            self.created.append(json.loads(request.content))
            repo_id = "/".join(filter(None, [self.created[-1].get("organization"), self.created[-1]["name"]]))
            return httpx.Response(200, json={"url": f"https://huggingface.co/{repo_id}"})
        if path == "/api/validate-yaml":
            return httpx.Response(200, json={"errors": [], "warnings": []})
        if path.endswith("/preupload/main"):
            files = json.loads(request.content)["files"]
            return httpx.Response(200, json={"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                                       for f in files]})
        if path.endswith("/commit/main"):
            for line in request.content.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    self.uploaded[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            return httpx.Response(200, json={"commitUrl": f"https://huggingface.co/{path.split('/')[3]}/{path.split('/')[4]}/commit/{COMMIT}",
                                             "commitOid": COMMIT})
        return self.serve(request, path)

    def serve(self, request, path):
        for repo_id, folder in self.repos.items():
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            if path.startswith(f"/api/models/{repo_id}/revision/"):
                return httpx.Response(200, json={"id": repo_id, "sha": COMMIT,
                                                 "siblings": [{"rfilename": p.relative_to(folder).as_posix()} for p in files]})
            if path.startswith(f"/api/models/{repo_id}/tree/"):
                return httpx.Response(200, json=[{"type": "file", "path": p.relative_to(folder).as_posix(),
                                                  "size": p.stat().st_size, "oid": hashlib.sha1(p.read_bytes()).hexdigest()}
                                                 for p in files])
            prefix = f"/{repo_id}/resolve/{COMMIT}/"
            if path.startswith(prefix):
                data = (folder / path[len(prefix):]).read_bytes()
                headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{hashlib.sha1(data).hexdigest()}"',
                           "Content-Length": str(len(data))}
                return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else data)
        # What the Hub answers for a repository that does not exist (or that this token cannot see).
        return httpx.Response(401, headers={"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"},
                              json={"error": "Repository not found"})


@pytest.fixture
def fake_hub(monkeypatch):
    hub = FakeHub()
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)  # read once, when it was imported
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    huggingface_hub.set_client_factory(lambda: httpx.Client(transport=httpx.MockTransport(hub.handle)))
    yield hub
    huggingface_hub.set_client_factory(hub_http.default_client_factory)
