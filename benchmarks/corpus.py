"""A generated course 100x the shipped one: same cards and glossary, every source copied 99 more times.

Copies are whole files under new source ids, so each keeps its own headings, page markers and
footnotes and the result passes the same validation as the shipped content. Cards and terms
still cite the original sources, which stay in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


def generate_corpus(shipped: Path, dest: Path, factor: int = 100) -> Path:
    """Copy ``shipped`` to ``dest`` with every source present ``factor`` times; return ``dest``."""
    shutil.copytree(shipped, dest)
    yaml = YAML()  # round-trip: keeps the original entries exactly as written
    course_path = dest / "course.yaml"
    course: Any = yaml.load(course_path.read_text(encoding="utf-8"))
    originals = list(course["sources"])
    for copy in range(1, factor):
        for source in originals:
            clone = dict(source)
            clone["id"] = f"{source['id']}-x{copy:02d}"
            clone["title"] = f"{source['title']} (benchmark copy {copy})"
            original_file = Path(str(source["file"]))
            clone["file"] = str(original_file.with_name(f"{original_file.stem}-x{copy:02d}{original_file.suffix}"))
            shutil.copyfile(dest / original_file, dest / clone["file"])
            course["sources"].append(clone)
    with course_path.open("w", encoding="utf-8") as out:
        yaml.dump(course, out)
    return dest
