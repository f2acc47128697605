"""The change-ticket review: the data derived from captured runs, REVIEW.md and REVIEW.html."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sqlgen import api
from sqlgen.dialects.profiles import load_profiles
from sqlgen.pipeline.captured import DialectRun
from sqlgen.project.graph import Plan
from sqlgen.render.script import Header, render
from sqlgen.review import SECTIONS, Review, build_review, section_id, to_html, to_markdown
from sqlgen.review.blocks import Table
from sqlgen.review.html import highlight_sql
from sqlgen.review.rows import layout
from sqlgen.runtime.runner import RunSettings, run_dialect

from .projects import line_of, make_project, revision_source

DIALECTS = ("postgresql", "sqlite")
GENERATOR = {"sqlgen": "0.1.0", "alembic": "1.20.1", "sqlglot": "30.30.0"}
SHOP_TABLES = {"customers", "products", "orders", "order_items", "audit_events"}


@dataclass(frozen=True)
class FakeFinding:
    """Shaped like the lint engine's Finding."""

    rule: str
    severity: str
    message: str
    dialect: str | None = None
    revision: str | None = None
    path: str | Path | None = None
    line: int | None = None
    suppressed: bool = False
    direction: str | None = None  # the lint engine's findings have it; the protocol does not


@dataclass(frozen=True)
class Captured:
    review: Review
    scripts: dict[str, str]


def _runs(
    workspace: api.Workspace, plan: Plan, settings: RunSettings, dialects: Sequence[str]
) -> list[DialectRun]:
    profiles = load_profiles()
    seed = workspace.graph.history_before(plan)
    return [
        run_dialect(plan.steps, plan.starts_at_base, profiles[d], settings, seed) for d in dialects
    ]


def _scripts(plan: Plan, runs: Sequence[DialectRun]) -> dict[str, str]:
    header = Header("0.1.0", plan.direction, plan.spec, plan.start, plan.end, len(plan.steps))
    return {
        f"{run.profile.name}/{plan.direction}.sql": render(
            run, header, run.steps, per_migration=False, include_prologue=True
        ).text
        for run in runs
    }


def _capture(
    root: Path,
    findings: Sequence[FakeFinding] = (),
    settings: RunSettings | None = None,
    dialects: Sequence[str] = DIALECTS,
    spec: str = "base:heads",
) -> Captured:
    workspace = api.open_project(root)
    settings = settings or RunSettings()
    up = workspace.graph.plan("upgrade", spec)
    down = workspace.graph.undo(up)
    upgrade = _runs(workspace, up, settings, dialects)
    downgrade = _runs(workspace, down, settings, dialects)
    scripts = _scripts(up, upgrade) | _scripts(down, downgrade)
    checksums = {path: hashlib.sha256(text.encode()).hexdigest() for path, text in scripts.items()}
    review = build_review(
        up.spec,
        up.start,
        up.end,
        upgrade,
        downgrade,
        findings,
        checksums,
        GENERATOR,
        project_root=root,
    )
    return Captured(review, scripts)


SHOP_FINDINGS = (
    FakeFinding(
        "SG101",
        "warning",
        "adds a NOT NULL column with a default | rewrites the table",
        "postgresql",
        "c5a1e7b9d312",
        "migrations/versions/0012_audit_source.py",
        18,
        direction="upgrade",
    ),
    FakeFinding("SG001", "error", "drops table <audit_events>", None, "7e3c9a0f5b11"),
    FakeFinding("SG300", "info", "seed data in a migration", suppressed=True),
)


@pytest.fixture(scope="module")
def shop(example_dir: Path) -> Captured:
    return _capture(example_dir, SHOP_FINDINGS)


# --- parsing the page -----------------------------------------------------------------


@dataclass
class Section:
    id: str
    heading: str = ""
    text: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """What the tests look at in REVIEW.html."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, Section] = {}
        self.tags: list[str] = []
        self.links: list[str] = []  # every src= and href=
        self.span_classes: set[str] = set()
        self.pre_text: list[str] = []
        self.rows: list[list[str]] = []  # every table row's cells, section by section
        self._current: Section | None = None
        self._in_h2 = False
        self._pre_depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "section":
            self._current = Section(values["id"] or "")
            self.sections[self._current.id] = self._current
        elif tag == "h2":
            self._in_h2 = True
        elif tag == "span" and values.get("class"):
            self.span_classes.add(values["class"] or "")
        elif tag == "pre":
            self._pre_depth += 1
            self.pre_text.append("")
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._current = None
        elif tag == "h2":
            self._in_h2 = False
        elif tag == "pre":
            self._pre_depth -= 1
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._pre_depth:
            self.pre_text[-1] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._current is None:
            return
        if self._in_h2:
            self._current.heading += data
        else:
            self._current.text.append(data)

    def text_of(self, title: str) -> str:
        return " ".join("".join(self.sections[section_id(title)].text).split())


# --- the review data ---------------------------------------------------------------------


def test_review_of_the_example(shop: Captured) -> None:
    review = shop.review
    assert review.range.requested == "base:heads"
    assert review.range.start == () and review.range.end == ("c5a1e7b9d312",)
    assert [d.name for d in review.dialects] == ["postgresql", "sqlite"]
    first = review.revisions[0]
    assert (first.revision, first.message) == ("3c1f0a9d2b11", "create customers")
    assert first.path == "migrations/versions/0001_create_customers.py"
    assert len(review.revisions) == 12

    assert {t.name for t in review.tables} == SHOP_TABLES
    order_items = review.table("order_items")
    assert order_items is not None
    changes = [(c.revision, c.kind, c.detail, c.only_in) for c in order_items.changes]
    assert changes == [
        ("5b2e8f0c4a04", "table created", "columns order_id, product_id, quantity, unit_price", ()),
        ("2f9a0b7d3e06", "column added", "gift_note VARCHAR(100), nullable", ()),
        ("9d7e2c5b1a09", "column type changed", "gift_note VARCHAR(100) -> VARCHAR(500)", ()),
        ("4a8f1d3c7e10", "column renamed", "gift_note to gift_message", ()),
    ]
    products = review.table("products")
    assert products is not None
    assert [(c.kind, c.detail) for c in products.changes if c.kind.startswith("data")] == [
        ("data inserted", "3 row(s) (bulk_insert)"),
        ("data updated", "UPDATE (raw SQL)"),
    ]


def test_statement_counts_leave_out_the_version_table(shop: Captured) -> None:
    counts = {(s.dialect, s.direction): s for s in shop.review.statements}
    postgresql = counts["postgresql", "upgrade"]
    assert postgresql.count("CREATE TABLE") == 5  # alembic_version is bookkeeping
    assert postgresql.count("CREATE INDEX") == 2
    assert postgresql.count("INSERT") == 4  # three bulk-inserted rows and one raw INSERT
    assert postgresql.count("UPDATE") == 1
    # SQLite's batch mode rebuilds order_items through a temporary table, twice
    assert counts["sqlite", "upgrade"].count("CREATE TABLE") == 7
    assert counts["postgresql", "downgrade"].count("DROP TABLE") == 5
    assert counts["postgresql", "downgrade"].count("DELETE") == 1
    assert shop.review.statement_kinds()[:3] == ("CREATE TABLE", "ALTER TABLE", "CREATE INDEX")


def test_rollback_lists_what_the_downgrade_destroys(shop: Captured) -> None:
    rollback = shop.review.rollback
    assert rollback.captured
    assert set(rollback.dropped_tables) == SHOP_TABLES
    assert rollback.dropped_tables[0] == "audit_events"  # in the order the downgrade runs
    assert rollback.dropped_columns == ("audit_events.source", "order_items.gift_note")
    assert rollback.data_deleted_from == ("products",)
    narrowed = [c for c in rollback.losses if c.kind == "column type changed"]
    assert [c.detail for c in narrowed] == ["gift_note VARCHAR(500) -> VARCHAR(100)"]


def test_findings_are_grouped_by_severity(shop: Captured) -> None:
    findings = shop.review.findings
    assert findings.counts == (("error", 1), ("warning", 1), ("info", 0))
    assert [f.rule for f in findings.active] == ["SG001", "SG101"]
    assert [f.rule for f in findings.suppressed] == ["SG300"]
    assert findings.active[1].direction == "upgrade"


def test_review_is_deterministic(example_dir: Path, shop: Captured) -> None:
    again = _capture(example_dir, list(reversed(SHOP_FINDINGS)), dialects=DIALECTS[::-1])
    assert again.review == shop.review
    assert to_markdown(again.review) == to_markdown(shop.review)
    assert to_html(again.review, again.scripts) == to_html(shop.review, shop.scripts)


# --- the layout both formats write ----------------------------------------------------


def test_both_formats_write_the_rows_of_one_layout(shop: Captured) -> None:
    document = layout(shop.review)
    assert [section.title for section in document.sections] == list(SECTIONS)
    tables = [b for s in document.sections for b in s.blocks if isinstance(b, Table)]
    # a header, the rows and any total row: in REVIEW.md and REVIEW.html alike
    shown = sum(1 + len(t.rows) + (t.total is not None) for t in tables)
    markdown = to_markdown(shop.review).splitlines()
    assert len([line for line in markdown if line.startswith("| ")]) == shown
    assert len(Page(to_html(shop.review, shop.scripts)).rows) == shown


def test_html_links_each_checksummed_script_to_it(shop: Captured) -> None:
    page = to_html(shop.review, shop.scripts)
    for n, path in enumerate(sorted(shop.scripts), 1):
        assert f'<a href="#script-{n}"><code>{path}</code></a>' in page
        assert f'<details open id="script-{n}">' in page


# --- REVIEW.md ----------------------------------------------------------------------------


def test_markdown_has_every_section_in_order(example_dir: Path, shop: Captured) -> None:
    text = to_markdown(shop.review)
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == list(SECTIONS)
    rename = example_dir / "migrations/versions/0010_rename_gift_note.py"
    line = line_of(rename, "batch_op.alter_column(")
    assert f"- column renamed: gift_note to gift_message (line {line})" in text
    assert "| CREATE TABLE | 5 | 7 | 0 | 3 |" in text
    assert "- Data deleted from: `products`" in text
    assert "Findings: 1 error, 1 warning, 0 info; 1 suppressed." in text
    assert (
        "| warning | `SG101` | `migrations/versions/0012_audit_source.py:18` | postgresql |" in text
    )
    # text that would break a table or become markup is escaped
    assert "default \\| rewrites the table" in text
    assert "drops table \\<audit_events>" in text
    for path, digest in shop.review.checksums:
        assert f"| `{path}` | `{digest}` |" in text


# --- REVIEW.html --------------------------------------------------------------------------


def test_tables_are_shown_before_and_after_the_range(example_dir: Path) -> None:
    later = _capture(example_dir, spec="e83b4f2c6d08:heads")
    order_items = later.review.table("order_items")
    assert order_items is not None and order_items.shape is not None
    shape = order_items.shape
    assert shape.dialect == "postgresql"  # the first reviewed dialect by name
    assert shape.before is not None and "gift_note VARCHAR(100)" in shape.before
    assert shape.after is not None and "gift_message VARCHAR(500)" in shape.after
    audit = later.review.table("audit_events")
    assert audit is not None and audit.shape is not None and audit.shape.before is None
    text = to_markdown(later.review)
    assert "Before the range (postgresql):\n\n```sql\nCREATE TABLE order_items (" in text
    assert "Before the range (postgresql): not there." in text
    page = to_html(later.review, later.scripts)
    assert "<summary>Before and after the range" in page


def test_html_has_every_section_with_content(shop: Captured) -> None:
    page = Page(to_html(shop.review, shop.scripts))
    expected = [section_id(title) for title in (*SECTIONS, "SQL scripts")]
    assert list(page.sections) == expected
    for title in SECTIONS:
        section = page.sections[section_id(title)]
        assert section.heading == title
        assert page.text_of(title), f"section {title} is empty"

    assert "base:heads" in page.text_of("Range")
    assert "0010_rename_gift_note.py" in page.text_of("Revisions")
    touched = page.text_of("Tables touched")
    # from order_items' first revision to the first of orders, the next table
    order_items = touched[touched.index("create order items") : touched.index("create orders")]
    assert "column added: gift_note VARCHAR(100), nullable" in order_items
    assert "column renamed: gift_note to gift_message" in order_items

    [header] = [row for row in page.rows if row[:1] == ["Kind"]]
    [create_table] = [row for row in page.rows if row[:1] == ["CREATE TABLE"]]
    assert create_table[header.index("postgresql upgrade")] == "5"

    assert "SG001" in page.text_of("Lint findings") and "Suppressed" in page.text_of(
        "Lint findings"
    )
    rollback = page.text_of("Rollback")
    for table in SHOP_TABLES:
        assert table in rollback
    assert "Tables dropped: audit_events, order_items, orders, products, customers" in rollback
    assert "Columns dropped: audit_events.source, order_items.gift_note" in rollback
    checksums = page.text_of("Checksums")
    for path, digest in shop.review.checksums:
        assert path in checksums and digest in checksums
    assert ["sqlglot", "30.30.0"] in page.rows


def test_html_is_self_contained(shop: Captured) -> None:
    text = to_html(shop.review, shop.scripts)
    page = Page(text)
    assert not {"script", "link", "img", "iframe", "object"} & set(page.tags)
    assert all(link.startswith("#") for link in page.links), page.links
    assert "http://" not in text and "https://" not in text
    assert "<style>" in text and "default-src 'none'" in text


def test_html_highlights_and_escapes_the_sql(shop: Captured) -> None:
    text = to_html(shop.review, shop.scripts)
    page = Page(text)
    assert {"kw", "str", "num", "com"} <= page.span_classes
    assert '<span class="kw">CREATE</span> <span class="kw">TABLE</span> customers' in text
    assert '(price &gt;= <span class="num">0</span>)' in text  # products' CHECK constraint
    assert "price >= 0" not in text
    assert '<span class="str">&#x27;GIFT-10&#x27;</span>' in text
    # the page shows each script exactly: tags removed and entities decoded, it is the text
    # (the scripts come last; the tables' before-and-after DDL comes before them)
    scripts = page.pre_text[-len(shop.scripts) :]
    assert scripts == [shop.scripts[path] for path in sorted(shop.scripts)]


def test_highlighting_keeps_hostile_text_inert() -> None:
    sql = "SELECT '</pre><script>x()</script>' AS a -- </code>\n/* <b> */ FROM t;\n"
    shown = highlight_sql(sql, "postgres")
    assert "<script>" not in shown and "</pre>" not in shown and "<b>" not in shown
    assert '<span class="com">-- &lt;/code&gt;</span>' in shown
    assert Page(f"<pre>{shown}</pre>").pre_text == [sql]
    untokenizable = "SELECT 'never closed <i>"
    assert highlight_sql(untokenizable, "postgres") == "SELECT &#x27;never closed &lt;i&gt;"


# --- overrides and data reads -------------------------------------------------------------


def test_overrides_and_data_reads_are_flagged(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "0001_accounts.py": revision_source(
                "revw0001",
                None,
                upgrade="""
                    op.create_table(
                        "accounts",
                        sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("name", sa.String(50)),
                    )
                    if not op.get_bind().execute(sa.text("SELECT count(*) FROM accounts")).scalar():
                        op.execute("UPDATE accounts SET name = 'none' WHERE name IS NULL")
                """,
                downgrade='op.drop_table("accounts")',
            ),
            "0002_email.py": revision_source(
                "revw0002",
                "revw0001",
                upgrade='op.add_column("accounts", sa.Column("email", sa.String(200)))',
                downgrade='op.drop_column("accounts", "email")',
            ),
        },
    )
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "revw0002.upgrade.postgresql.sql").write_text(
        "-- reviewed by hand\n"
        "ALTER TABLE accounts ADD COLUMN email VARCHAR(200);\n"
        "UPDATE accounts SET email = '' WHERE email IS NULL;\n",
        encoding="utf-8",
    )
    settings = RunSettings(data_reads="empty", overrides=overrides)
    captured = _capture(project, settings=settings)
    review = captured.review

    flags = [(f.dialect, f.direction, f.revision, f.override, len(f.reads)) for f in review.flags]
    assert flags == [
        ("postgresql", "upgrade", "revw0001", None, 1),
        ("postgresql", "upgrade", "revw0002", "revw0002.upgrade.postgresql.sql", 0),
        ("sqlite", "upgrade", "revw0001", None, 1),
    ]
    [read] = review.flags[0].reads
    assert read.sql == "SELECT count(*) FROM accounts" and read.line is not None

    # the override is what postgresql gets; sqlite still runs the migration
    accounts = review.table("accounts")
    assert accounts is not None
    email = [(c.kind, c.detail, c.only_in) for c in accounts.changes if c.revision == "revw0002"]
    assert email == [
        ("column added", "email VARCHAR(200), nullable", ("sqlite",)),
        ("column added", "email (override revw0002.upgrade.postgresql.sql)", ("postgresql",)),
        ("data updated", "UPDATE (override revw0002.upgrade.postgresql.sql)", ("postgresql",)),
    ]
    counts = {(s.dialect, s.direction): s for s in review.statements}
    assert counts["postgresql", "upgrade"].count("ALTER TABLE") == 1
    assert counts["postgresql", "upgrade"].count("UPDATE") == 2  # revw0001's and the override's
    assert review.rollback.dropped_columns == ("accounts.email",)

    markdown = to_markdown(review)
    flags_md = markdown[
        markdown.index("## Overrides and data reads") : markdown.index("## Checksums")
    ]
    assert "`revw0002.upgrade.postgresql.sql`" in flags_md
    assert "query `SELECT count(*) FROM accounts`" in flags_md
    page = Page(to_html(review, captured.scripts))
    flags_html = page.text_of("Overrides and data reads")
    assert "revw0002.upgrade.postgresql.sql" in flags_html
    assert "SELECT count(*) FROM accounts" in flags_html


def test_findings_paths_are_shown_relative_to_the_project(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"0001_a.py": revision_source("revp0001", None)})
    finding = FakeFinding(
        "SG1", "warning", "m", path=project / "migrations/versions/0001_a.py", line=3
    )
    review = _capture(project, [finding], dialects=["sqlite"]).review
    [shown] = review.findings.active
    assert shown.path == "migrations/versions/0001_a.py"
    assert "`migrations/versions/0001_a.py:3`" in to_markdown(review)
    assert review.tables == () and "No table is touched." in to_markdown(review)


# --- reading SQL ---------------------------------------------------------------------------


def test_statements_are_read_with_sqlglot() -> None:
    from sqlgen.review.statements import parse_statements

    sql = (
        "-- a reviewed script\n"
        "ALTER TABLE shop.orders DROP COLUMN note, ADD COLUMN memo TEXT;\n"
        "TRUNCATE TABLE audit_events;\n"
        "CREATE UNIQUE INDEX ix_orders_memo ON shop.orders (memo);\n"
        "DROP INDEX ix_old;\n"
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        'DELETE FROM "Order Lines" WHERE 1 = 0\n'
    )
    read = [
        (s.verb, s.tables, s.added_columns, s.dropped_columns)
        for s in parse_statements(sql, "postgres")
    ]
    assert read == [
        ("ALTER TABLE", ("shop.orders",), ("memo",), ("note",)),
        ("TRUNCATE", ("audit_events",), (), ()),
        ("CREATE INDEX", ("shop.orders",), (), ()),
        ("DROP INDEX", (), (), ()),  # the index is named, not its table
        ("other", (), (), ()),
        ("DELETE", ("Order Lines",), (), ()),
    ]
    assert [s.verb for s in parse_statements("SELECT 'unterminated", "postgres")] == ["other"]
