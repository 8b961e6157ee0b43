"""Atomic, merging publication of a run's results into an output folder.

A run writes everything (figures as it goes, then tables and REPORT.md) into a private staging folder
``OUT/.staging-<pid>-*``; nothing in OUT changes until the run has finished. Publication then, under a lock on
``OUT/.lock`` (a second run waits for it):

1. reads what OUT holds, keeps every claim this run did not run (its rows, REPORT section, per-claim table,
   figures, provenance), and writes the merged tables, REPORT.md and provenance.json into the staging folder;
2. writes a journal ``OUT/.publish.json`` naming the staging folder and the files to remove (figures and per-claim
   tables that nothing references any more);
3. moves every staged file into place (each move an atomic rename), removes the stale files, deletes the journal.

A run killed before step 2 leaves OUT exactly as it was. Once the journal exists the publication completes: step 3
runs with SIGINT and SIGTERM held (raised once it is done), every destination is checked before the journal is
written (a file where a folder belongs, a folder where a file belongs: refused, OUT unchanged), and a staging folder
that a journal names is never deleted, so that a run killed during step 3 (SIGKILL), or one whose moves failed,
leaves the journal and the staging folder for the next run on OUT (or ``recover``) to roll forward before doing
anything else. Staging folders of runs that are no longer alive, and that no journal names, are removed then too.
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd
from filelock import FileLock, Timeout

from simulate.atomic import atomic_save, atomic_write_text
from simulate.engine.stop import signals_deferred
from simulate.publish.html import render_html

# of rates.csv and provenance.json; 3: provenance per claim, runs/<claim>.parquet; 4: limit_exponent;
# 5: baseline_margin; 6: look and ci_level (the default profile's sequential design)
SCHEMA_VERSION = 6
LOCK = ".lock"
JOURNAL = ".publish.json"
STAGING_PREFIX = ".staging-"
SECTION_MARK = "<!-- claim: {} -->"  # opens each claim's section of REPORT.md; merging splits REPORT.md on it
TABLES = ("rates.csv", "controls.csv")  # one row per judged quantity / mutant, a ``claim`` column in each


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


MANAGED = ("figures", "runs")  # the subfolders publishing writes and prunes


def _inside(out: Path, name: str) -> Path:
    """``out / name`` for a relative ``name`` that stays inside ``out`` with no symbolic link on the way (publishing
    only ever creates, replaces or removes regular files there); raises ValueError naming it otherwise."""
    rel = Path(name)
    target = out / rel
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"{name!r} in {out / JOURNAL} leaves the output folder {str(out)!r}")
    if target.parent.resolve() != out.resolve() / rel.parent:
        raise ValueError(f"{str(target.parent)!r} is a symbolic link (or lies under one); refusing to write through it")
    return target


def _journal(out: Path) -> dict:
    """The journal of an interrupted publication, checked: its staging folder a ``.staging-*`` folder of ``out``,
    every path to remove a file of ``out``'s managed subfolders. Raises ValueError naming the file otherwise."""
    journal = out / JOURNAL
    try:
        plan = json.loads(journal.read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"{journal} is not a readable publication journal ({err}); remove it to go on") from err
    staging, remove = (plan.get("staging"), plan.get("remove")) if isinstance(plan, dict) else (None, None)
    if not (isinstance(staging, str) and staging.startswith(STAGING_PREFIX) and "/" not in staging and staging != ".."):
        raise ValueError(f"{journal}: staging={staging!r} is not a staging folder of {str(out)!r}; remove it to go on")
    if (out / staging).is_symlink():
        raise ValueError(f"{journal}: its staging folder {out / staging} is a symbolic link; remove it to go on")
    if not isinstance(remove, list) or not all(isinstance(r, str) for r in remove):
        raise ValueError(f"{journal}: remove={remove!r} is not a list of file names; remove it to go on")
    for name in remove:
        if Path(name).parts[:1] not in ((m,) for m in MANAGED) and name != "runs.parquet":
            raise ValueError(f"{journal}: {name!r} is not a file publishing manages; remove it to go on")
        _inside(out, name)
    return plan


def check_output(out: Path) -> None:
    """Before any work: ``out``'s managed subfolders are real folders (not links) and a journal left by an
    interrupted publication is one that can be rolled forward. Raises ValueError naming the problem."""
    out = Path(out)
    for sub in MANAGED:
        if (out / sub).is_symlink():
            raise ValueError(f"{out / sub} is a symbolic link; publishing writes and prunes that folder, so refuses it")
    if (out / JOURNAL).exists():
        _journal(out)


def check_mergeable(out: Path) -> None:
    """Before any work: the results ``out`` holds can be merged with a run's without losing another claim's. Every
    claim its provenance.json records must have its rows in a readable rates.csv (with a ``claim`` column) and its
    section in REPORT.md; provenance.json must be of this schema. A folder with none of these files is new. Raises
    ValueError naming the file, what is wrong and the ways out otherwise."""
    out = Path(out)
    present = [n for n in ("provenance.json", "REPORT.md", *TABLES) if (out / n).exists()]
    if not present:
        return
    way_out = "write elsewhere (--out) or start the folder afresh (--replace)"
    prov_path = out / "provenance.json"
    try:
        prov = json.loads(prov_path.read_text())
    except FileNotFoundError as err:
        raise ValueError(f"{prov_path} is missing but {out} holds {', '.join(present)}; {way_out}") from err
    except (OSError, ValueError) as err:
        raise ValueError(f"{prov_path} does not parse ({err}); {way_out}") from err
    if (
        not isinstance(prov, dict)
        or prov.get("schema_version") != SCHEMA_VERSION
        or not isinstance(prov.get("claims"), dict)
    ):
        version = prov.get("schema_version") if isinstance(prov, dict) else None
        raise ValueError(
            f"{prov_path} is of schema {version!r}, not {SCHEMA_VERSION} (or has no per-claim records): merging would "
            f"drop its claims; {way_out}"
        )
    claims = set(prov["claims"])
    not_records = sorted(c for c, record in prov["claims"].items() if not isinstance(record, dict))
    if not_records:
        raise ValueError(f"{prov_path}: the records of {', '.join(not_records)} are not mappings; {way_out}")
    rates = _read_rates(out, way_out) if claims or (out / "rates.csv").exists() else None
    if rates is not None:
        if "claim" not in rates.columns:
            raise ValueError(f"{out / 'rates.csv'} has no 'claim' column; {way_out}")
        missing = sorted(claims - set(rates["claim"]))
        if missing:
            raise ValueError(f"{out / 'rates.csv'} lacks the rows of {', '.join(missing)} (cut short?); {way_out}")
        unrecorded = sorted(set(rates["claim"].dropna().astype(str)) - claims)
        if unrecorded:
            raise ValueError(
                f"{out / 'rates.csv'} holds rows of {', '.join(unrecorded)}, which {prov_path} does not record; "
                f"merging would drop them; {way_out}"
            )
    report = out / "REPORT.md"
    if not report.exists():
        if claims:
            raise ValueError(f"{report} is missing; {way_out}")
        return
    try:
        sections = set(read_sections(report))
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{report} cannot be read ({type(err).__name__}: {err}); {way_out}") from err
    missing = sorted(claims - sections)
    if missing:
        raise ValueError(f"{report} lacks the sections of {', '.join(missing)} (markers edited?); {way_out}")
    unrecorded = sorted(sections - claims)
    if unrecorded:
        raise ValueError(
            f"{report} holds the sections of {', '.join(unrecorded)}, which {prov_path} does not record; merging "
            f"would drop them; {way_out}"
        )


def _read_rates(out: Path, way_out: str) -> pd.DataFrame:
    """``out``'s rates.csv, or a ValueError naming it and the way out when it is missing or does not parse."""
    try:
        return pd.read_csv(out / "rates.csv", keep_default_na=False, na_values=[""])
    except FileNotFoundError as err:
        raise ValueError(f"{out / 'rates.csv'} is missing; {way_out}") from err
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise ValueError(f"{out / 'rates.csv'} does not parse ({type(err).__name__}); {way_out}") from err


def recover(out: Path) -> bool:
    """Finish a publication that was interrupted (roll the journal forward) and remove the staging folders of
    runs that are no longer alive; whether there was one to finish. Call with the lock held."""
    check_output(out)
    rolled = (out / JOURNAL).exists()
    if rolled:
        plan = _journal(out)
        _apply(out, out / plan["staging"], plan["remove"])
        print(f"note: finished an interrupted publication into {out}", file=sys.stderr)
    for staging in out.glob(f"{STAGING_PREFIX}*"):
        pid = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if not (pid.isdigit() and _alive(int(pid))):
            shutil.rmtree(staging, ignore_errors=True)
    return rolled


class PublicationIncomplete(RuntimeError):
    """The moves of a publication failed part-way (an OSError); its journal and staging folder are kept, and the next
    run on the folder completes it."""


def _check_destinations(out: Path, staging: Path) -> None:
    """Before the journal: every staged file can be moved into place (no file where one of its folders belongs, no
    folder where it belongs). Raises ValueError naming the first that cannot; nothing in ``out`` has changed."""
    for src in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = src.relative_to(staging)
        for parent in reversed(rel.parents[:-1]):  # figures/, runs/: folders of out
            if (out / parent).exists() and not (out / parent).is_dir():
                raise ValueError(f"{out / parent} is not a folder; publishing writes {rel} there ({out} is unchanged)")
        if (out / rel).is_dir() and not (out / rel).is_symlink():
            raise ValueError(f"{out / rel} is a folder; publishing writes a file there ({out} is unchanged)")


def _apply(out: Path, staging: Path, remove: list[str]) -> None:
    """Move every file under ``staging`` to the same place under ``out``, delete ``remove``, drop the journal. An
    OSError part-way is raised as ``PublicationIncomplete``, the journal and the rest of ``staging`` kept."""
    try:
        if staging.exists():
            for src in sorted(p for p in staging.rglob("*") if p.is_file()):
                rel = src.relative_to(staging)
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, _inside(out, str(rel)))
        for name in remove:
            _inside(out, name).unlink(missing_ok=True)
        (out / JOURNAL).unlink(missing_ok=True)
    except OSError as err:
        raise PublicationIncomplete(
            f"publishing into {out} stopped part-way ({err}); the rest waits in {staging} and the next run on {out} "
            "moves it into place: fix the cause, then run again"
        ) from err
    shutil.rmtree(staging, ignore_errors=True)


class OutputLock:
    """The lock on an output folder, held while a run publishes; a second run waits and says why."""

    def __init__(self, out: Path):
        self.lock = FileLock(str(out / LOCK))

    def __enter__(self):
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            print(f"waiting for another run to finish publishing into {self.lock.lock_file} ...", file=sys.stderr)
            self.lock.acquire()
        return self

    def __exit__(self, *exc):
        self.lock.release()


def read_sections(report: Path) -> dict[str, str]:
    """The claim sections of a REPORT.md, by claim id (text from one section mark up to the next)."""
    if not report.exists():
        return {}
    sections, current = {}, None
    opening, closing = SECTION_MARK.split("{}")
    for line in report.read_text().splitlines(keepends=True):
        if line.startswith(opening) and line.rstrip().endswith(closing):
            current = line.strip()[len(opening) : -len(closing)]
            sections[current] = ""
        if current is not None:
            sections[current] += line
    return sections


class Staging:
    """A run's private staging folder inside ``out``: experiments write figures into ``staging.path / 'figures'``."""

    def __init__(self, out: Path, replace: bool = False):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        with OutputLock(self.out):
            if recover(self.out) and not replace:
                check_mergeable(self.out)  # what was rolled forward, checked as the run's own check did before it
        self.path = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=self.out))
        self.published = False  # True once ``publish`` has moved everything into place

    def discard(self) -> None:
        """Delete the staging folder, unless a journal names it (a publication under way: the next run finishes it)."""
        try:
            if (self.out / JOURNAL).exists() and _journal(self.out)["staging"] == self.path.name:
                return
        except ValueError:
            pass  # an unreadable journal names no staging folder
        shutil.rmtree(self.path, ignore_errors=True)

    def publish(
        self,
        rates: pd.DataFrame,
        controls: pd.DataFrame,
        stats: dict[str, pd.DataFrame],
        sections: dict[str, str],
        records: dict[str, dict],
        render_report,
        known: list[str],
        replace: bool = False,
    ) -> dict:
        """Merge this run's claims into ``out`` and publish atomically; returns the merged provenance.

        ``stats`` are the per-checkpoint tables per claim (written as ``runs/<claim>.parquet``); ``records`` the
        per-claim provenance (with each claim's ``figures``); ``render_report(sections, provenance, rates,
        controls)`` returns REPORT.md's text for the merged folder; ``known`` is every claim id in report order (a
        kept claim that is not known any more goes last). ``replace``: keep nothing of what ``out`` holds (its tables,
        sections and provenance are rewritten from this run alone).
        """
        ran = list(records)
        with OutputLock(self.out):
            recover(self.out)
            previous = _nothing() if replace else _read_previous(self.out)
            keep = [c for c in previous["claims"] if c not in ran and c in previous["sections"]]
            order = [c for c in known if c in keep or c in ran] + [c for c in keep if c not in known]
            claims = {c: records[c] if c in records else previous["claims"][c] for c in order}
            sections = {c: sections[c] if c in sections else previous["sections"][c] for c in order}
            rank = {c: i for i, c in enumerate(order)}
            merged = {}
            for name, new in (("rates.csv", rates), ("controls.csv", controls)):
                old = previous["tables"][name]
                parts = [old[old.claim.isin(keep)]] if old is not None and len(old) else []
                table = pd.concat(parts + [new], ignore_index=True) if parts else new
                merged[name] = table.sort_values("claim", key=lambda col: col.map(rank), kind="stable")
            provenance = {"schema_version": SCHEMA_VERSION, "claims": claims}
            write_tables(self.path, merged["rates.csv"], merged["controls.csv"], provenance)
            for claim, table in stats.items():
                if len(table):
                    path = self.path / "runs" / f"{claim}.parquet"
                    atomic_save(path, lambda tmp, table=table: table.to_parquet(tmp, index=False))
            report = render_report(sections, provenance, merged["rates.csv"], merged["controls.csv"])
            atomic_write_text(self.path / "REPORT.md", report)
            atomic_write_text(
                self.path / "index.html", render_html(report, [self.path / "figures", self.out / "figures"])
            )
            wanted = {f"figures/{f}" for c in order for f in _figure_files(claims[c])}
            wanted |= {f"runs/{c}.parquet" for c in order if (self.path / "runs" / f"{c}.parquet").exists()}
            wanted |= {f"runs/{c}.parquet" for c in keep if (self.out / "runs" / f"{c}.parquet").exists()}
            present = {f"{d}/{p.name}" for d in MANAGED for p in (self.out / d).glob("*")}
            # only what the suite wrote: the figures and per-claim tables its provenance recorded
            ours = {f"figures/{f}" for c in previous["claims"].values() for f in _figure_files(c)}
            ours |= {f"runs/{c}.parquet" for c in previous["claims"]} | {f"runs/{c}.parquet" for c in known}
            foreign = sorted(present - wanted - ours)
            if foreign:
                print(
                    f"note: left alone in {self.out}, not written by the suite: {', '.join(foreign)}", file=sys.stderr
                )
            legacy = ["runs.parquet"] if (self.out / "runs.parquet").exists() else []  # one table per claim since v3
            remove = sorted((present - wanted) & ours) + legacy
            _check_destinations(self.out, self.path)
            plan = {"staging": self.path.name, "remove": remove}
            with signals_deferred():  # from the journal on, the publication completes; an interrupt is raised after
                atomic_write_text(self.out / JOURNAL, json.dumps(plan, indent=1) + "\n")
                _apply(self.out, self.path, remove)
                self.published = True
        return provenance


def _figure_files(record: dict) -> list[str]:
    """The files of a claim's figures (its provenance names the PNGs; each has a PDF beside it)."""
    return [name for f in record.get("figures", []) for name in (f, str(Path(f).with_suffix(".pdf")))]


def write_tables(out: Path, rates: pd.DataFrame, controls: pd.DataFrame, prov: dict) -> None:
    """rates.csv (integer columns kept integral where rows leave them empty), controls.csv (the negative controls
    and how they were judged), provenance.json."""
    rates = rates.astype({c: "Int64" for c in ("trials", "k_min", "k_max", "n_diverged")})
    atomic_save(out / "rates.csv", lambda tmp: rates.to_csv(tmp, index=False, float_format="%.6g"))
    atomic_save(out / "controls.csv", lambda tmp: controls.to_csv(tmp, index=False))
    atomic_write_text(out / "provenance.json", json.dumps(prov, indent=2) + "\n")


def _nothing() -> dict:
    """An output folder's holdings when it holds nothing."""
    return {"claims": {}, "sections": {}, "tables": dict.fromkeys(TABLES)}


def _read_previous(out: Path) -> dict:
    """What ``out`` holds now: per-claim provenance, REPORT sections and tables. A folder written by another
    schema version (or without per-claim provenance) keeps nothing, with a warning."""
    empty = _nothing()
    prov_path = out / "provenance.json"
    if not prov_path.exists():
        return empty
    prov = json.loads(prov_path.read_text())
    if prov.get("schema_version") != SCHEMA_VERSION or not isinstance(prov.get("claims"), dict):
        print(
            f"warning: {out} holds results of another format (schema {prov.get('schema_version')}); "
            "they are replaced, not merged",
            file=sys.stderr,
        )
        return empty
    tables = {
        name: pd.read_csv(out / name, keep_default_na=False, na_values=[""]) if (out / name).exists() else None
        for name in TABLES
    }
    return {"claims": prov["claims"], "sections": read_sections(out / "REPORT.md"), "tables": tables}


def earlier_records(out: Path) -> dict[str, dict]:
    """What ``out``'s provenance.json recorded of each claim before this run (claim id -> record), for a claim that
    builds on its own earlier runs into the same folder (the small-transformer claims' size ladder); empty when the
    folder has none, or one of another schema, or one that does not parse (publishing then warns or refuses)."""
    try:
        prov = json.loads((out / "provenance.json").read_text())
    except (OSError, ValueError):
        return {}
    claims = prov.get("claims") if isinstance(prov, dict) and prov.get("schema_version") == SCHEMA_VERSION else None
    return claims if isinstance(claims, dict) else {}
