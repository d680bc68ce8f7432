#!/usr/bin/env python3
"""Checks the links of every Markdown file in the repository: a relative target must exist inside
the repository and a #anchor must name a heading of its target; links leaving the repository
(other folders, web addresses) are refused, so the docs stay self-contained.

Usage: scripts/check-doc-links.py [REPO_ROOT]. Prints each broken link; exit status 1 if any.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
HEADING = re.compile(r"^#+\s+(.*)$", re.M)


def markdown_files(root: Path) -> list[Path]:
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-co", "--exclude-standard", "*.md"],
                            capture_output=True, text=True, check=True).stdout.split()
    return [root / name for name in listed]


def anchors(path: Path) -> set[str]:
    """GitHub's anchors: lower case, punctuation dropped, spaces as hyphens."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in HEADING.findall(text)}


def broken_links(root: Path, path: Path) -> list[str]:
    problems = []
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        where = f"{path.relative_to(root)}: {target}"
        if re.match(r"[a-z]+:", target):
            problems.append(f"{where}: leaves the repository")
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if dest != root and root not in dest.parents:
            problems.append(f"{where}: leaves the repository")
        elif not dest.exists():
            problems.append(f"{where}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{where}: no heading for #{anchor}")
    return problems


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "..").resolve()
    files = markdown_files(root)
    problems = [p for f in files for p in broken_links(root, f)]
    for p in problems:
        print(p)
    print(f"check-doc-links: {len(files)} files, {len(problems)} broken links")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
