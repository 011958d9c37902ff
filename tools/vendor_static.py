"""Install the pinned front-end libraries (package-lock.json) into static/vendor/.

Run by ``make install``. With npm on the PATH it runs ``npm ci --ignore-scripts`` in
build/npm/ (npm checks every tarball against the lock file's sha512 integrity); without
npm it downloads the same tarballs from the npm registry itself, checks the same sha512
integrity and unpacks them. Either way only the files the site serves are copied:

    static/vendor/leaflet/    leaflet.js, leaflet.css, images/, LICENSE
    static/vendor/axe-core/   axe.min.js, LICENSE   (used by the accessibility tests)

static/vendor/ is build output (git-ignored); nothing is fetched from a CDN at run time.
Environment: NPM_REGISTRY (default https://registry.npmjs.org), VENDOR_WITH=python to skip
npm even when it is installed.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "package-lock.json"
VENDOR = ROOT / "static" / "vendor"
WORK = ROOT / "build" / "npm"
STAMP = VENDOR / ".lock-sha256"
REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")

# package -> (files or folders inside the package, relative to its root)
SERVED: dict[str, tuple[str, ...]] = {
    "leaflet": ("dist/leaflet.js", "dist/leaflet.css", "dist/images", "LICENSE"),
    "axe-core": ("axe.min.js", "LICENSE"),
}


def say(message: str) -> None:
    print(f"vendor: {message}", flush=True)


def pinned() -> dict[str, dict[str, str]]:
    """name -> {"version", "integrity", "resolved"} from package-lock.json."""
    packages = json.loads(LOCK.read_text())["packages"]
    out = {}
    for key, meta in packages.items():
        if key.startswith("node_modules/"):
            name = key.removeprefix("node_modules/")
            out[name] = meta
    missing = set(SERVED) - set(out)
    if missing:
        raise SystemExit(f"vendor: package-lock.json lacks {', '.join(sorted(missing))}")
    return out


def tarball_url(name: str, meta: dict[str, str]) -> str:
    base = name.rsplit("/", 1)[-1]
    return meta.get("resolved") or f"{REGISTRY}/{name}/-/{base}-{meta['version']}.tgz"


def check_integrity(name: str, data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise SystemExit(f"vendor: {name}: unsupported integrity {algorithm!r} in the lock file")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise SystemExit(
            f"vendor: {name}: sha512 integrity mismatch (download corrupted or tampered with); "
            f"expected {expected}, got {actual}. Nothing was installed."
        )


def fetch_with_python(name: str, meta: dict[str, str], into: Path) -> None:
    url = tarball_url(name, meta)
    say(f"downloading {name}@{meta['version']} from {url}")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https registry)
            data = response.read()
    except OSError as exc:
        raise SystemExit(
            f"vendor: could not download {url}: {exc}\n"
            "vendor: the npm registry is unreachable. Check the network or proxy (HTTPS_PROXY), "
            "point NPM_REGISTRY at a mirror, or copy static/vendor/ from another checkout "
            "(see README, Troubleshooting)."
        ) from exc
    check_integrity(name, data, meta["integrity"])
    say(f"{name}: sha512 integrity ok ({len(data):,} bytes)")
    target = into / name
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            # npm tarballs hold everything under "package/"; refuse anything else.
            if not parts or ".." in parts or member.issym() or member.islnk():
                continue
            member.name = str(Path(*parts[1:])) if len(parts) > 1 else ""
            if member.name and (member.isfile() or member.isdir()):
                archive.extract(member, target, filter="data")


def fetch_with_npm(npm: str, into: Path) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(ROOT / name, WORK / name)
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    if "NPM_REGISTRY" in os.environ:
        command.append(f"--registry={REGISTRY}")
    say(f"running {' '.join(command)} in {WORK.relative_to(ROOT)}/")
    try:
        subprocess.run(command, cwd=WORK, check=True)  # noqa: S603 (npm from PATH, fixed args)
    except subprocess.CalledProcessError as exc:
        raise SystemExit(
            "vendor: npm ci failed (registry unreachable?). Retry with VENDOR_WITH=python, "
            "set NPM_REGISTRY to a mirror, or see README, Troubleshooting."
        ) from exc
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(WORK / "node_modules", into)


def copy_served(source: Path) -> None:
    staging = VENDOR.with_name("vendor.new")
    shutil.rmtree(staging, ignore_errors=True)
    for name, paths in SERVED.items():
        for rel in paths:
            src, dst = source / name / rel, staging / name / Path(rel).name
            if not src.exists():
                raise SystemExit(f"vendor: {name} has no {rel}; is the pinned version right?")
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
    shutil.rmtree(VENDOR, ignore_errors=True)
    staging.rename(VENDOR)


def main() -> int:
    lock_hash = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == lock_hash and "--force" not in sys.argv:
        say("static/vendor/ is up to date with package-lock.json")
        return 0
    packages = pinned()
    npm = shutil.which("npm") if os.environ.get("VENDOR_WITH", "npm") != "python" else None
    unpacked = WORK / "unpacked"
    if npm:
        fetch_with_npm(npm, unpacked)
    else:
        say("npm not found (or VENDOR_WITH=python): fetching the pinned tarballs with Python")
        shutil.rmtree(unpacked, ignore_errors=True)
        for name in SERVED:
            fetch_with_python(name, packages[name], unpacked)
    copy_served(unpacked)
    STAMP.write_text(lock_hash + "\n")
    versions = ", ".join(f"{name}@{packages[name]['version']}" for name in SERVED)
    say(f"installed {versions} into static/vendor/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
