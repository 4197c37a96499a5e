"""Build hook: compile the optional C extensions in src/redline/_native/ with the machine's C
compiler (`CC`, else `cc`), so that `uv sync` on a fresh clone builds them.

Every extension has a pure-Python fallback, so a failed compilation is reported and the build
goes on. An editable install (what `uv sync` makes of the project) gets the extension next to
its source, where the package is imported from; a wheel gets it added under redline/_native/.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

NATIVE = Path("src") / "redline" / "_native"
# No -ffast-math and no contraction into fused multiply-adds: the sums must be the same, to the
# last bit, as the pure-Python fallback's.
FLAGS = ["-O2", "-fPIC", "-shared", "-ffp-contract=off", "-Wall"]


def compiler() -> list[str]:
    return shlex.split(os.environ.get("CC") or "cc")


def compile_extension(source: Path, target: Path) -> bool:
    command = [*compiler(), *FLAGS, f"-I{sysconfig.get_paths()['include']}", str(source), "-o", str(target)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"redline: could not compile {source.name} ({error}); the pure-Python fallback will be used", file=sys.stderr)
        return False
    if done.returncode != 0:
        print(f"redline: compiling {source.name} failed; the pure-Python fallback will be used\n{done.stderr}", file=sys.stderr)
        return False
    return True


class NativeExtensionsHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return  # an sdist ships the C sources
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        root = Path(self.root)
        sources = sorted((root / NATIVE).glob("*.c"))
        built_any = False
        for source in sources:
            name = source.stem + suffix
            if version == "editable":
                built_any |= compile_extension(source, source.with_name(name))
                continue
            target = Path(tempfile.mkdtemp(prefix="redline-native-")) / name
            if compile_extension(source, target):
                build_data["force_include"][str(target)] = f"redline/_native/{name}"
                built_any = True
        if built_any and version != "editable":
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
