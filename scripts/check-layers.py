#!/usr/bin/env python3
"""Checks that no module includes a module above it.

The picture in docs/design.md ("Modules and the direction of dependencies")
is this table: each module lists the project modules its files may include.
Generated protobuf headers ("consent/v1/...", "grpc/...") and third-party
headers are not project modules and are not checked. Exits 1 and names each
offending include when a file reaches upward or sideways.
"""
import pathlib
import re
import sys

# module (a folder, longest prefix wins) -> the modules it may include.
ALLOWED = {
    "base": set(),
    "crypto": {"base"},
    "identifiers": {"base"},
    "policy": {"base"},
    "access": {"base", "crypto"},
    "service/store": {"base", "crypto", "service/store"},
    "service/core": {"base", "crypto", "identifiers", "policy", "access",
                     "service/store", "service/core"},
    "rpc": {"base"},
    "service/api": {"base", "crypto", "identifiers", "policy", "access",
                    "service/store", "service/core", "service/api", "rpc"},
    "service/main.cc": {"base", "crypto", "policy", "access", "rpc",
                        "service/core", "service/api"},
    "client": {"base", "crypto", "client"},
}
# Where the checked sources live; tests/ and bench/ may include anything.
PROJECT_MODULES = ["base", "crypto", "identifiers", "policy", "access", "rpc",
                   "service/store", "service/core", "service/api", "client"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(path: str):
    best = None
    for module in list(ALLOWED) + PROJECT_MODULES:
        if path == module or path.startswith(module + "/"):
            if best is None or len(module) > len(best):
                best = module
    return best


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    problems = []
    checked = 0
    for source in sorted(root.rglob("*")):
        if source.suffix not in (".h", ".cc") or not source.is_file():
            continue
        rel = source.relative_to(root).as_posix()
        if rel.startswith(("build", "tests/", "bench/")):
            continue
        module = module_of(rel)
        if module is None:
            continue
        checked += 1
        for number, line in enumerate(source.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = module_of(match.group(1))
            if target is None or target == module:
                continue
            if target not in ALLOWED[module]:
                problems.append(f"{rel}:{number}: {module} includes {target} "
                                f"({match.group(1)})")
    for problem in problems:
        print(problem)
    print(f"check-layers: {checked} files, {len(problems)} upward includes")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
