"""`sqlgen bundle`: everything a change ticket needs, in a folder and a zip."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result

from sqlgen.review import SECTIONS, section_id

Cli = Callable[..., Result]
HEAD = "c5a1e7b9d312"
START = "3c1f0a9d2b11"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}
        self.links: list[str] = []
        self.classes: set[str] = set()
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and found.get("id"):
            self._current = found["id"]
            self.sections[self._current] = ""
        for name in ("src", "href"):
            if found.get(name):
                self.links.append(str(found[name]))
        self.classes.update((found.get("class") or "").split())

    def handle_data(self, data: str) -> None:
        if self._current:
            self.sections[self._current] += data


@pytest.fixture(scope="module")
def bundled(example_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from sqlgen.cli import main

    out = tmp_path_factory.mktemp("ticket") / "CHG-123"
    result = CliRunner().invoke(
        main,
        [
            "-p",
            str(example_dir),
            "bundle",
            f"{START}:heads",
            "-d",
            "postgresql",
            "-d",
            "sqlite",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_scripts_and_manifest_with_checksums(bundled: Path) -> None:
    for dialect in ("postgresql", "sqlite"):
        assert (bundled / dialect / f"upgrade-{START}-{HEAD}.sql").is_file()
        assert (bundled / dialect / f"downgrade-{HEAD}-{START}.sql").is_file()
    manifest = json.loads((bundled / "manifest.json").read_text())
    assert len(manifest["files"]) == 4
    for entry in manifest["files"]:
        data = (bundled / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_review_markdown_has_every_section(bundled: Path) -> None:
    text = (bundled / "REVIEW.md").read_text()
    for title in SECTIONS:
        assert f"\n## {title}\n" in text
    assert "gift_note" in text and "gift_message" in text  # the rename in "Tables touched"
    assert "SG402" in text  # the rename is a lint finding


def test_review_html_is_self_contained_with_every_section(bundled: Path) -> None:
    page = _Page()
    page.feed((bundled / "REVIEW.html").read_text())
    for title in SECTIONS:
        assert section_id(title) in page.sections, title
        assert page.sections[section_id(title)].strip(), f"empty section {title}"
    assert "order_items" in page.sections[section_id("Tables touched")]
    assert "audit_events" in page.sections[section_id("Rollback")]
    checksums = page.sections[section_id("Checksums")]
    manifest = json.loads((bundled / "manifest.json").read_text())
    assert all(entry["sha256"] in checksums for entry in manifest["files"])
    assert all(link.startswith("#") for link in page.links)  # nothing to fetch: works offline
    assert {"kw", "str"} <= page.classes  # the SQL is highlighted


def test_zip_holds_the_folder_and_is_deterministic(
    bundled: Path, example_dir: Path, cli: Cli, tmp_path: Path
) -> None:
    archive = bundled.parent / "CHG-123.zip"
    names = zipfile.ZipFile(archive).namelist()
    on_disk = sorted(f"CHG-123/{p.relative_to(bundled).as_posix()}"
                     for p in bundled.rglob("*") if p.is_file())  # fmt: skip
    assert names == on_disk
    again = tmp_path / "CHG-123"
    result = cli("-p", example_dir, "bundle", f"{START}:heads", "-d", "postgresql",
                 "-d", "sqlite", "-o", again)  # fmt: skip
    assert result.exit_code == 0
    assert (tmp_path / "CHG-123.zip").read_bytes() == archive.read_bytes()


def test_a_bundle_passes_check(bundled: Path, example_dir: Path, cli: Cli) -> None:
    result = cli("-p", example_dir, "check", "-o", bundled)
    assert result.exit_code == 0, result.output


def test_a_foreign_folder_is_refused(example_dir: Path, cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = cli("-p", example_dir, "bundle", "heads", "-d", "sqlite", "-o", tmp_path)
    assert result.exit_code == 2
    assert "is not empty and holds no sqlgen bundle" in result.stderr


@pytest.mark.parametrize("first, second", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_tables_before_and_after_are_in_the_dialect_named_first(
    example_dir: Path, cli: Cli, tmp_path: Path, first: str, second: str
) -> None:
    out = tmp_path / "CHG-1"
    result = cli(
        "-p", example_dir, "bundle", f"{START}:heads", "-d", first, "-d", second, "-o", out
    )
    assert result.exit_code == 0, result.output
    markdown = (out / "REVIEW.md").read_text(encoding="utf-8")
    assert f"Before the range ({first})" in markdown
    assert f"Before the range ({second})" not in markdown
    html = (out / "REVIEW.html").read_text(encoding="utf-8")
    assert f'Before and after the range <span class="muted">({first})</span>' in html
    assert f'<span class="muted">({second})</span></summary>' not in html
