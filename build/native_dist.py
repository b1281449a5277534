#!/usr/bin/env python3
"""Writes freshserve for people without .NET: a tarball and a Python wheel around the native linux-x64 binary.

    build/native_dist.py BINARY VERSION OUTDIR

  OUTDIR/freshserve-VERSION-linux-x64.tar.gz          freshserve, README.md, LICENSE
  OUTDIR/freshserve-VERSION-py3-none-manylinux_X_Y_x86_64.whl

The wheel's glibc tag is the highest GLIBC_x.y symbol version the binary really needs (objdump -T), so pip refuses it
on an older glibc instead of installing a binary that cannot start. The binary goes under freshserve-VERSION.data/scripts/,
which pip installs into the environment's bin/ (on PATH in an activated venv). Only the standard library is used.
"""
import base64
import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = ("Keeps a development server fresh: on every save it stops the whole old server tree, proves the port is free, "
           "starts the new server and tells you when the new code is served.")


def glibc_tag(binary):
    """manylinux_X_Y from the highest GLIBC_X.Y version among the binary's dynamic symbols."""
    out = subprocess.run(["objdump", "-T", binary], check=True, capture_output=True, text=True).stdout
    versions = {tuple(int(p) for p in m.split(".")) for m in re.findall(r"\bGLIBC_(\d+\.\d+(?:\.\d+)?)\b", out)}
    if not versions:
        sys.exit(f"native_dist: no GLIBC_x.y symbol versions in {binary}; is it a dynamically linked glibc binary?")
    major, minor = max(versions)[:2]
    return f"manylinux_{major}_{minor}_x86_64"


def python_version(version):
    """NuGet's 1.2.3-beta.4 as a PEP 440 version: the prerelease part becomes a local version label."""
    base, _, suffix = version.partition("-")
    return base if not suffix else f"{base}+{re.sub(r'[^A-Za-z0-9]+', '.', suffix).strip('.')}"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write_tarball(binary, version, outdir):
    name = f"freshserve-{version}-linux-x64"
    path = os.path.join(outdir, f"{name}.tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for source, arcname, mode in [(binary, "freshserve", 0o755),
                                      (os.path.join(ROOT, "README.md"), "README.md", 0o644),
                                      (os.path.join(ROOT, "LICENSE"), "LICENSE", 0o644)]:
            info = tar.gettarinfo(source, f"{name}/{arcname}")
            info.mode, info.uid, info.gid, info.uname, info.gname = mode, 0, 0, "root", "root"
            with open(source, "rb") as f:
                tar.addfile(info, f)
    return path


def write_wheel(binary, version, outdir):
    pyversion = python_version(version)
    tag = f"py3-none-{glibc_tag(binary)}"
    dist_info = f"freshserve-{pyversion}.dist-info"
    metadata = "\n".join([
        "Metadata-Version: 2.1",
        "Name: freshserve",
        f"Version: {pyversion}",
        f"Summary: {SUMMARY}",
        "Home-page: https://github.com/freshserve/freshserve",
        "License: MIT",
        "Platform: linux-x86_64",
        "Classifier: Environment :: Console",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: License :: OSI Approved :: MIT License",
        "Description-Content-Type: text/markdown",
        "",
        read(os.path.join(ROOT, "README.md")).decode("utf-8"),
    ])
    wheel = "\n".join(["Wheel-Version: 1.0", "Generator: freshserve build/native_dist.py", "Root-Is-Purelib: false",
                       f"Tag: {tag}", ""])
    files = [  # (path in the wheel, bytes, unix mode)
        (f"freshserve-{pyversion}.data/scripts/freshserve", read(binary), 0o755),
        (f"{dist_info}/METADATA", metadata.encode("utf-8"), 0o644),
        (f"{dist_info}/WHEEL", wheel.encode("utf-8"), 0o644),
        (f"{dist_info}/LICENSE", read(os.path.join(ROOT, "LICENSE")), 0o644),
    ]
    record = io.StringIO()
    for name, data, _ in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
        record.write(f"{name},sha256={digest},{len(data)}\n")
    record.write(f"{dist_info}/RECORD,,\n")
    files.append((f"{dist_info}/RECORD", record.getvalue().encode("utf-8"), 0o644))

    path = os.path.join(outdir, f"freshserve-{pyversion}-{tag}.whl")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as whl:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16  # a regular file with its permission bits: pip keeps +x
            info.compress_type = zipfile.ZIP_DEFLATED
            whl.writestr(info, data)
    return path


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, version, outdir = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    print(write_tarball(binary, version, outdir))
    print(write_wheel(binary, version, outdir))


if __name__ == "__main__":
    main()
