"""The Standard Safeguarding Dataset (SSD): a folder of ``ssd_*.csv`` exports (or .xlsx/.parquet).

The SSD is Data to Insight's standard schema for children's social care data. Its tables map onto
the native tables like this (``../shared/reference/ssd-tables.md`` lists the fields):

==============================  =================================================================
SSD table                       native rows
==============================  =================================================================
ssd_person                      children (pers_person_id, pers_dob, pers_sex or pers_gender)
ssd_professionals               workers (team: prof_professional_department, named from
                                ssd_department when it holds a team id)
ssd_involvements                worker and team of episodes whose own table names none
ssd_cin_episodes                referrals (received = cine_referral_date; outcome ``nfa`` when
                                cine_referral_nfa is yes; referral_id = cine_referral_id)
ssd_cin_plans                   child_in_need episodes
ssd_cp_plans                    child_protection episodes
ssd_cla_episodes                child_in_care episodes: one per period of care (the SSD starts a
                                new episode at every change of placement or legal status); the
                                last IRO contact (clae_cla_last_iro_contact_date) as a
                                family_contacts row by ``iro``
ssd_cla_placement               placements (legal_status from ssd_legal_status: the status in
                                force on the start date; a change of status during a placement
                                starts a new row with the same placement_id)
ssd_early_help_episodes         early_help episodes (team: earl_episode_organisation)
ssd_s47_enquiry                 s47 episodes, and a strategy_discussion meeting on the start date
ssd_care_leavers                care_leaver episodes (from the date the young person last left
                                care, else their 18th birthday); latest contact as a visit; pathway
                                plan review date as a pathway_plan_review meeting
ssd_cin_visits, ssd_cp_visits,  visits (seen, seen alone, bedroom seen), visit_type statutory
ssd_cla_visits
ssd_cin_assessments             assessments (child_and_family; completed and authorised on the
                                authorisation date)
ssd_initial_cp_conference       meetings icpc
ssd_cp_reviews                  meetings rcpc
ssd_cla_reviews                 meetings cla_review (cancelled reviews left out)
ssd_cla_health                  documents health_assessment / dental_check
ssd_missing                     missing_episodes (episodes typed as absences left out)
==============================  =================================================================

Episodes carry the referral that led to them (``referral_id``: cinp_referral_id,
cppl_referral_id, s47e_referral_id) and the day their worker was allocated (``allocated_date``:
the start of the ssd_involvements allocation they take their worker from). The care leaver's
latest contact is also a family_contacts row by ``personal_adviser``.

Not used: ``ssd_contacts`` (a contact is not a referral, and the SSD holds no decision date for
it) and ``ssd_permanence`` (no rule reads it). Supervision and documents
are not in the SSD: native table files (``supervisions.csv``, ``documents.csv``, or any other)
in the same folder are read alongside, their rows added to the SSD's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from casecheck.dataset import ROW
from casecheck.errors import InputError
from casecheck.schema import find_table
from casecheck.sources.common import (
    PROBLEM,
    Extract,
    Part,
    SourceTable,
    allocate,
    as_date,
    clean,
    const,
    count_note,
    flag_expr,
    make_part,
    native_beside,
    nonblank,
    norm,
    norm_expr,
    null_text,
    read_tables,
    split_by_status,
    supplying,
    table_files,
)

#: the SSD tables casecheck reads, and what each gives
USED = {
    "ssd_person": "children",
    "ssd_professionals": "workers",
    "ssd_department": "team names",
    "ssd_involvements": "worker and team of episodes",
    "ssd_cin_episodes": "referrals",
    "ssd_cin_plans": "episodes (child_in_need)",
    "ssd_cp_plans": "episodes (child_protection)",
    "ssd_cla_episodes": "episodes (child_in_care), family_contacts (iro)",
    "ssd_cla_placement": "placements",
    "ssd_early_help_episodes": "episodes (early_help)",
    "ssd_s47_enquiry": "episodes (s47), meetings (strategy_discussion)",
    "ssd_care_leavers": "episodes (care_leaver), visits, meetings (pathway_plan_review), "
                        "family_contacts (personal_adviser)",
    "ssd_cin_visits": "visits",
    "ssd_cp_visits": "visits",
    "ssd_cla_visits": "visits",
    "ssd_cin_assessments": "assessments",
    "ssd_initial_cp_conference": "meetings (icpc)",
    "ssd_cp_reviews": "meetings (rcpc)",
    "ssd_cla_reviews": "meetings (cla_review)",
    "ssd_cla_health": "documents (health_assessment, dental_check)",
    "ssd_missing": "missing_episodes",
    "ssd_legal_status": "placements (legal status)",
}
#: ssd_involvements roles that mark the allocated case worker (matched ignoring case, spaces and
#: punctuation): the SSD's description, and the role code recent Liquid Logic extracts carry
CASE_WORKER_LABELS = ("ALLOCATED CASE WORKER", "CW", "ALLOCATED SOCIAL WORKER", "ALLOCATED WORKER",
                      "CASE WORKER")
CASE_WORKER_ROLES = frozenset(norm(r) for r in CASE_WORKER_LABELS)
#: SSD tables deliberately not read, and why
NOT_USED = {
    "ssd_contacts": "contacts are not referrals, and the SSD holds no decision date for a contact",
    "ssd_permanence": "no rule reads adoption and permanence decisions",
}


def is_ssd_folder(path: Path) -> list[Path]:
    """The ``ssd_*`` table files in a folder (empty if none)."""
    if not path.is_dir():
        return []
    return [p for p in table_files(path) if p.stem.lower().startswith("ssd_")]


class _SSD:
    def __init__(self, path: Path, as_at: dt.date) -> None:
        self.path = path
        self.as_at = as_at
        self.tables: dict[str, SourceTable] = {}
        self.native: list[Part] = []
        self.ignored: list[str] = []
        self.files: list[Path] = []
        self.parts: list[Part] = []
        self.notes: list[str] = []

    # -- reading --------------------------------------------------------------------------
    def read(self) -> None:
        seen_native: dict[str, str] = {}
        for file in table_files(self.path):
            stem = file.stem.lower()
            if stem.startswith("ssd_"):
                if stem in NOT_USED:
                    self.ignored.append(f"{file.name}: not used ({NOT_USED[stem]})")
                    continue
                if stem not in USED:
                    self.ignored.append(f"{file.name}: not used (casecheck does not read this SSD table)")
                    continue
                if stem in self.tables:
                    raise InputError(
                        f"two files hold {stem} ({self.tables[stem].label} and {file.name}); keep one"
                    )
                sheets = read_tables(file, stem)
                st = next((s for s in sheets if s.name.lower() == stem), sheets[0])
                st.name, st.kind = stem, f"SSD {stem}"
                self.tables[stem] = st
                self.files.append(file)
                continue
            if find_table(file.stem) is None:
                self.ignored.append(f"{file.name}: not an SSD or native table file")
                continue
            part = native_beside(file, seen_native, "the SSD files")
            self.native.append(part)
            self.files.append(file)

    def get(self, name: str) -> SourceTable | None:
        return self.tables.get(name)

    def add(self, part: Part, why: str = "") -> None:
        if not part.note:
            part.note = count_note(part, part.source.rows, why)
        self.parts.append(part)

    # -- helpers ----------------------------------------------------------------------------
    def team(self, source: SourceTable, header: str | None) -> tuple[pl.Expr, str] | str | None:
        """A team column, named from ssd_department when it holds a team id."""
        if header is None:
            return None
        dept = self.get("ssd_department")
        if dept is None:
            return header
        tid, tname = dept.find("dept_team_id"), dept.find("dept_team_name")
        if tid is None or tname is None:
            return header
        pairs = dept.frame.select(clean(pl.col(tid)).alias("i"), clean(pl.col(tname)).alias("n"))
        pairs = pairs.drop_nulls().unique("i", keep="first")
        dept.use(tid), dept.use(tname)
        expr = clean(source.use(header)).replace(pairs["i"], pairs["n"])
        return expr, f"{header} (team name from ssd_department)"

    def person(self, s: SourceTable, *names: str) -> str:
        return s.need(names, "the child's id")

    # -- the mappings ----------------------------------------------------------------------
    def children(self) -> None:
        s = self.get("ssd_person")
        if s is None:
            raise InputError(
                f"{self.path} has no ssd_person file: casecheck needs ssd_person.csv for the "
                "children table"
            )
        self.add(make_part("children", s, {
            "child_id": self.person(s, "pers_person_id"),
            "date_of_birth": s.find("pers_dob"),
            "gender": s.find("pers_sex", "pers_gender"),
        }))

    def workers(self) -> None:
        s = self.get("ssd_professionals")
        if s is None:
            return
        self.add(make_part("workers", s, {
            "worker_id": s.need("prof_professional_id", "the workers table"),
            "worker_name": s.find("prof_professional_name"),
            "team": self.team(s, s.find("prof_professional_department")),
            "role": s.find("prof_professional_job_title"),
        }))

    def _involvements(self) -> pl.DataFrame | None:
        """The allocations of a case worker: ssd_involvements rows whose role marks the
        allocated case worker (``ALLOCATED CASE WORKER``; ``CW`` on recent Liquid Logic
        versions), not every professional involved. Without a role column, or with no such
        role, every involvement is used, and the inspection says so."""
        s = self.get("ssd_involvements")
        if s is None:
            return None
        pid = s.find("invo_person_id")
        wid = s.find("invo_professional_id")
        start = s.find("invo_involvement_start_date")
        if pid is None or wid is None or start is None:
            self.notes.append(
                f"{s.label} lacks invo_person_id, invo_professional_id or "
                "invo_involvement_start_date, so it is not used"
            )
            return None
        end = s.find("invo_involvement_end_date")
        role = s.find("invo_professional_role_id", "invo_professional_role")
        team = self.team(s, s.find("invo_professional_team"))
        team_expr = team[0] if isinstance(team, tuple) else s.use(team) if team else null_text()
        f = s.frame.select(
            clean(s.use(pid)).alias("child"),
            clean(s.use(wid)).alias("i_worker"),
            clean(team_expr).alias("i_team"),
            pl.col(ROW).alias("i_row"),
            s.use(start).alias("i_start"),
            s.use(end).alias("i_end") if end else null_text().alias("i_end"),
            clean(s.use(role)).alias("i_role") if role else null_text().alias("i_role"),
        )
        f = self._case_worker_roles(s, f, role)
        # allocations that start after the audit date are not yet anyone's
        return f.with_columns(
            as_date(f["i_start"]).alias("i_s"), as_date(f["i_end"]).alias("i_e")
        ).filter(
            pl.col("child").is_not_null() & pl.col("i_s").is_not_null()
            & (pl.col("i_s") <= pl.lit(self.as_at))
        )

    def _case_worker_roles(self, s: SourceTable, f: pl.DataFrame, role: str | None) -> pl.DataFrame:
        """Keep the involvements whose role is the allocated case worker's, and say which roles
        were used and which were not."""
        if role is None:
            self.notes.append(
                f"{s.label} has no invo_professional_role_id: every involvement is taken as an "
                "allocation of the child's case worker"
            )
            return f
        counts = (f.select(pl.col("i_role").fill_null("(blank)")).group_by("i_role").len()
                  .sort(["len", "i_role"], descending=[True, False]))
        allocated = norm_expr(pl.col("i_role")).is_in(list(CASE_WORKER_ROLES)).fill_null(False)
        used = f.filter(allocated)

        def listing(frame: pl.DataFrame) -> str:
            return ", ".join(f"'{r}' ({n:,})" for r, n in frame.iter_rows())

        roles_used = counts.filter(norm_expr(pl.col("i_role")).is_in(list(CASE_WORKER_ROLES)))
        others = counts.filter(~pl.col("i_role").is_in(roles_used["i_role"].implode()))
        if used.height == 0:
            self.notes.append(
                f"{s.label}: no involvement has the allocated case worker's role "
                f"({', '.join(sorted(CASE_WORKER_LABELS))}); roles seen: {listing(counts)}. Every "
                "involvement is used for episodes' workers; check that this is right"
            )
            return f
        self.notes.append(
            f"{s.label}: episodes' workers come from the involvements with role "
            f"{listing(roles_used)}"
            + (f"; other roles not used: {listing(others)}" if others.height else "")
        )
        return used

    def allocate(self, part: Part, invo: pl.DataFrame | None) -> Part:
        """Episodes without a worker take the worker (and team) of the child's involvement
        that overlaps the episode and started last."""
        return allocate(part, invo, "ssd_involvements")

    def episodes(self) -> None:
        invo = self._involvements()
        parts: list[tuple[Part, str]] = []
        s = self.get("ssd_cin_plans")
        if s is not None:
            parts.append((make_part("episodes", s, {
                "child_id": self.person(s, "cinp_person_id"),
                "episode_type": const("child_in_need"),
                "start_date": s.need("cinp_cin_plan_start_date", "child in need episodes"),
                "end_date": s.find("cinp_cin_plan_end_date"),
                "team": self.team(s, s.find("cinp_cin_plan_team")),
                "worker_id": s.find("cinp_cin_plan_worker_id"),
                "referral_id": s.find("cinp_referral_id"),
            }), ""))
        s = self.get("ssd_cp_plans")
        if s is not None:
            parts.append((make_part("episodes", s, {
                "child_id": self.person(s, "cppl_person_id"),
                "episode_type": const("child_protection"),
                "start_date": s.need("cppl_cp_plan_start_date", "child protection episodes"),
                "end_date": s.find("cppl_cp_plan_end_date"),
                "referral_id": s.find("cppl_referral_id"),
            }), ""))
        s = self.get("ssd_cla_episodes")
        if s is not None:
            parts.append((self._periods_of_care(s), ""))
        s = self.get("ssd_early_help_episodes")
        if s is not None:
            parts.append((make_part("episodes", s, {
                "child_id": self.person(s, "earl_person_id"),
                "episode_type": const("early_help"),
                "start_date": s.need("earl_episode_start_date", "early help episodes"),
                "end_date": s.find("earl_episode_end_date"),
                "team": self.team(s, s.find("earl_episode_organisation")),
                "worker_id": s.find("earl_episode_worker_id"),
            }), ""))
        s = self.get("ssd_s47_enquiry")
        if s is not None:
            parts.append((make_part("episodes", s, {
                "child_id": self.person(s, "s47e_person_id"),
                "episode_type": const("s47"),
                "start_date": s.need("s47e_s47_start_date", "section 47 episodes"),
                "end_date": s.find("s47e_s47_end_date"),
                "team": self.team(s, s.find("s47e_s47_completed_by_team")),
                "worker_id": s.find("s47e_s47_completed_by_worker_id"),
                "referral_id": s.find("s47e_referral_id"),
            }), ""))
        s = self.get("ssd_care_leavers")
        if s is not None:
            parts.append((self._care_leavers(s), ""))
        if not parts:
            raise InputError(
                f"{self.path} has none of the SSD tables casecheck takes episodes from "
                "(ssd_cin_plans, ssd_cp_plans, ssd_cla_episodes, ssd_early_help_episodes, "
                "ssd_s47_enquiry, ssd_care_leavers)"
            )
        for part, why in parts:
            self.add(self.allocate(part, invo), why)

    def _periods_of_care(self, s: SourceTable) -> Part:
        pid = self.person(s, "clae_person_id")
        start = s.need("clae_cla_episode_start_date", "child in care episodes")
        end = s.find("clae_cla_episode_ceased_date")
        entered = s.find("clae_entered_care_date")
        problem = [pl.col(PROBLEM)] if PROBLEM in s.frame.columns else []
        w = s.frame.select(
            pl.col(ROW),
            *problem,
            clean(s.use(pid)).alias("child_id"),
            s.use(start).cast(pl.String).alias("raw_s"),
            s.use(end).cast(pl.String).alias("raw_e"),
            s.use(entered).cast(pl.String).alias("raw_ent"),
        )
        w = w.with_columns(
            as_date(w["raw_s"]).alias("s"), as_date(w["raw_e"]).alias("e"),
            as_date(w["raw_ent"]).alias("ent"),
        )
        ok = (
            pl.col("child_id").is_not_null()
            & pl.col("s").is_not_null()
            & (clean(pl.col("raw_e")).is_null() | pl.col("e").is_not_null())
            & (clean(pl.col("raw_ent")).is_null() | pl.col("ent").is_not_null())
            & (pl.col("e").is_null() | (pl.col("e") >= pl.col("s")))
        )
        if problem:
            ok = ok & pl.col(PROBLEM).is_null()
        good = w.filter(ok).sort(["child_id", "s", "e", ROW], nulls_last=True)
        first = pl.int_range(pl.len()).over("child_id") == 0
        new = (
            first
            | (pl.col("s") > pl.col("e").shift().over("child_id")).fill_null(False)
            | (
                pl.col("ent").is_not_null()
                & (pl.col("ent") != pl.col("ent").shift().over("child_id")).fill_null(False)
            )
        )
        periods = (
            good.with_columns(new.cast(pl.Int32).cum_sum().over("child_id").alias("period"))
            .group_by("child_id", "period", maintain_order=True)
            .agg(
                pl.col(ROW).min(),
                pl.min_horizontal("ent", "s").min().alias("start_date"),
                pl.when(pl.col("e").null_count() > 0).then(None)
                .otherwise(pl.col("e").max()).alias("end_date"),
            )
            .select(
                ROW, "child_id",
                pl.col("start_date").cast(pl.String), pl.col("end_date").cast(pl.String),
            )
        )
        # rows that cannot be placed in a period go through as they are, to be reported
        bad = w.filter(~ok).select(
            ROW, *problem, "child_id", pl.col("raw_s").alias("start_date"),
            pl.col("raw_e").alias("end_date"),
        )
        frame = pl.concat([periods, bad], how="diagonal_relaxed").with_columns(
            pl.lit("child_in_care").alias("episode_type")
        ).sort(ROW)
        start_desc = (
            f"{entered}, else {start} (the start of the period of care)" if entered else start
        )
        part = Part("episodes", s, frame, {
            "child_id": pid,
            "episode_type": "always 'child_in_care'",
            "start_date": start_desc,
            "end_date": f"{end} of the period's last episode" if end else "",
        })
        n_periods = periods.height
        part.note = (
            f"{frame.height:,} rows from {s.label}: its {good.height:,} usable episodes make "
            f"{n_periods:,} periods of care (one child_in_care episode each, from the date the "
            "child entered care to the date the last episode ceased)"
            + (f", and {bad.height:,} rows that cannot be read are reported" if bad.height else "")
        )
        if not end:
            del part.mapping["end_date"]
        return part

    def _care_leavers(self, s: SourceTable) -> Part:
        pid = self.person(s, "clea_person_id")
        f = s.frame.select(pl.col(ROW), clean(s.use(pid)).alias("child_id"))
        last_left = pl.DataFrame(schema={"child_id": pl.String, "left": pl.Date})
        cla = self.get("ssd_cla_episodes")
        if cla is not None and cla.find("clae_cla_episode_ceased_date") and cla.find("clae_person_id"):
            c = cla.frame.select(
                clean(pl.col(cla.find("clae_person_id"))).alias("child_id"),
                pl.col(cla.find("clae_cla_episode_ceased_date")).alias("e"),
            )
            last_left = (
                c.with_columns(as_date(c["e"]).alias("left"))
                .group_by("child_id").agg(pl.col("left").max())
            )
        eighteen = pl.DataFrame(schema={"child_id": pl.String, "dob": pl.Date})
        person = self.get("ssd_person")
        if person is not None and person.find("pers_dob") and person.find("pers_person_id"):
            p = person.frame.select(
                clean(pl.col(person.find("pers_person_id"))).alias("child_id"),
                pl.col(person.find("pers_dob")).alias("d"),
            )
            eighteen = p.with_columns(as_date(p["d"]).alias("dob")).drop("d").drop_nulls().unique(
                "child_id", keep="first"
            )
        f = (
            f.join(last_left, on="child_id", how="left")
            .join(eighteen, on="child_id", how="left")
            .with_columns(
                pl.coalesce("left", pl.col("dob").dt.offset_by("18y")).cast(pl.String).alias("start_date")
            )
        )
        team = self.team(s, s.find("clea_care_leaver_allocated_team"))
        worker = s.find("clea_care_leaver_worker_id", "clea_care_leaver_personal_advisor")
        part = make_part("episodes", s, {
            "child_id": (pl.col("child_id"), pid),
            "episode_type": const("care_leaver"),
            "start_date": (
                pl.col("start_date"),
                "the date the young person last ceased to be looked after (ssd_cla_episodes), "
                "else their 18th birthday (pers_dob)",
            ),
            "team": team,
            "worker_id": worker,
        }, frame=f.join(s.frame, on=ROW, how="left", suffix="_src"))
        return part

    def referrals(self) -> None:
        s = self.get("ssd_cin_episodes")
        if s is None:
            return
        nfa = s.find("cine_referral_nfa")
        outcome = None
        if nfa is not None:
            outcome = (
                pl.when(flag_expr(s.use(nfa))).then(pl.lit("nfa")).otherwise(None),
                f"'nfa' when {nfa} is yes",
            )
        self.add(make_part("referrals", s, {
            "child_id": self.person(s, "cine_person_id"),
            "referral_id": s.find("cine_referral_id"),
            "received_date": s.need("cine_referral_date", "the referrals table"),
            "outcome": outcome,
        }))

    def placements(self) -> None:
        s = self.get("ssd_cla_placement")
        if s is None:
            return
        pid = s.find("clap_person_id")
        child: str | tuple[pl.Expr, str]
        if pid is not None:
            child = pid
        else:
            cla_id = s.need("clap_cla_id", "the child's id (clap_person_id or clap_cla_id)")
            child = (self._by_cla_id(s, cla_id), f"{cla_id} (the child of that ssd_cla_episodes row)")
        part = make_part("placements", s, {
            "child_id": child,
            "placement_id": s.find("clap_cla_placement_id"),
            "start_date": s.need("clap_cla_placement_start_date", "the placements table"),
            "end_date": s.find("clap_cla_placement_end_date"),
            "placement_type": s.find("clap_cla_placement_type"),
        })
        statuses = self._legal_statuses()
        if statuses is None:
            self.add(part)
            return
        rows = part.frame.height
        part, added = split_by_status(part, statuses, "ssd_legal_status")
        part.note = count_note(part, rows) + (
            f"; {added:,} more where the legal status changed during a placement (same placement)"
            if added else "")
        self.add(part)

    def _legal_statuses(self) -> pl.DataFrame | None:
        """ssd_legal_status as (child, l_s, l_e, l_code), for the placements' legal status."""
        s = self.get("ssd_legal_status")
        if s is None:
            return None
        pid, code = s.find("lega_person_id"), s.find("lega_legal_status")
        start, end = s.find("lega_legal_status_start_date"), s.find("lega_legal_status_end_date")
        if pid is None or code is None or start is None:
            self.notes.append(f"{s.label} lacks lega_person_id, lega_legal_status or "
                              "lega_legal_status_start_date, so placements have no legal status")
            return None
        f = s.frame.select(
            clean(s.use(pid)).alias("child"), clean(s.use(code)).alias("l_code"),
            s.use(start).alias("raw_s"), (s.use(end) if end else null_text()).alias("raw_e"),
        )
        f = f.with_columns(as_date(f["raw_s"]).alias("l_s"), as_date(f["raw_e"]).alias("l_e"))
        return f.filter(pl.col("child").is_not_null() & pl.col("l_s").is_not_null()).select(
            "child", "l_s", "l_e", "l_code")

    def _by_cla_id(self, s: SourceTable, header: str) -> pl.Expr:
        cla = self.get("ssd_cla_episodes")
        key = clean(s.use(header))
        if cla is None or not cla.find("clae_cla_id") or not cla.find("clae_person_id"):
            return null_text()
        pairs = cla.frame.select(
            clean(pl.col(cla.find("clae_cla_id"))).alias("k"),
            clean(pl.col(cla.find("clae_person_id"))).alias("v"),
        ).drop_nulls().unique("k", keep="first")
        cla.used.add(cla.find("clae_cla_id"))
        return key.replace_strict(pairs["k"], pairs["v"], default=None, return_dtype=pl.String)

    def visits(self) -> None:
        for name, prefix, bedroom in (
            ("ssd_cin_visits", "cinv_cin_visit", True),
            ("ssd_cp_visits", "cppv_cp_visit", True),
            ("ssd_cla_visits", "clav_cla_visit", False),
        ):
            s = self.get(name)
            if s is None:
                continue
            short = prefix.split("_")[0]
            pid = s.find(f"{short}_person_id")
            child: str | tuple[pl.Expr, str]
            if pid is None and name == "ssd_cla_visits" and s.find("clav_cla_id"):
                child = (self._by_cla_id(s, s.find("clav_cla_id")), "clav_cla_id (its child)")
            else:
                child = self.person(s, f"{short}_person_id")
            self.add(make_part("visits", s, {
                "child_id": child,
                "visit_date": s.need(f"{prefix}_date", "the visits table"),
                "seen": s.find(f"{prefix}_seen"),
                "seen_alone": s.find(f"{prefix}_seen_alone"),
                "bedroom_seen": s.find(f"{prefix}_bedroom") if bedroom else None,
                "visit_type": const("statutory"),
            }))
        s = self.get("ssd_care_leavers")
        if s is not None and (h := s.find("clea_care_leaver_latest_contact")):
            self.add(make_part("visits", s, {
                "child_id": self.person(s, "clea_person_id"),
                "visit_date": h,
            }, keep=nonblank(h)), f"{{have}} no {h}")

    def assessments(self) -> None:
        s = self.get("ssd_cin_assessments")
        if s is None:
            return
        auth = s.find("cina_assessment_auth_date")
        self.add(make_part("assessments", s, {
            "child_id": self.person(s, "cina_person_id"),
            "assessment_type": const("child_and_family"),
            "start_date": s.need("cina_assessment_start_date", "the assessments table"),
            "completed_date": auth,
            "authorised_date": auth,
        }))

    def meetings(self) -> None:
        specs = [
            ("ssd_initial_cp_conference", "icpc_person_id", "icpc_icpc_date", "icpc"),
            ("ssd_cp_reviews", "cppr_person_id", "cppr_cp_review_date", "rcpc"),
        ]
        for name, pid, date, mtype in specs:
            s = self.get(name)
            if s is None:
                continue
            self.add(make_part("meetings", s, {
                "child_id": self.person(s, pid),
                "meeting_type": const(mtype),
                "meeting_date": s.need(date, "the meetings table"),
            }))
        s = self.get("ssd_cla_reviews")
        if s is not None:
            pid = s.find("clar_person_id", "clar_cla_person_id")
            child: str | tuple[pl.Expr, str]
            if pid is not None:
                child = pid
            else:
                cla_id = s.need("clar_cla_id", "the child's id (clar_cla_id)")
                child = (self._by_cla_id(s, cla_id), f"{cla_id} (the child of that ssd_cla_episodes row)")
            cancelled = s.find("clar_cla_review_cancelled")
            keep = None
            if cancelled is not None:
                keep = ~flag_expr(s.use(cancelled)).fill_null(False)
            self.add(make_part("meetings", s, {
                "child_id": child,
                "meeting_type": const("cla_review"),
                "meeting_date": s.need("clar_cla_review_date", "the meetings table"),
            }, keep=keep), "{are} cancelled, left out")
        s = self.get("ssd_s47_enquiry")
        if s is not None:
            h = s.need("s47e_s47_start_date", "section 47 episodes")
            part = make_part("meetings", s, {
                "child_id": self.person(s, "s47e_person_id"),
                "meeting_type": const("strategy_discussion"),
                "meeting_date": (s.use(h), f"{h} (read as the strategy discussion that started the enquiry)"),
            }, keep=nonblank(h))
            self.add(part, f"{{have}} no {h}")
        s = self.get("ssd_care_leavers")
        if s is not None and (h := s.find("clea_pathway_plan_review_date")):
            self.add(make_part("meetings", s, {
                "child_id": self.person(s, "clea_person_id"),
                "meeting_type": const("pathway_plan_review"),
                "meeting_date": h,
            }, keep=nonblank(h)), f"{{have}} no {h}")

    def documents(self) -> None:
        s = self.get("ssd_cla_health")
        if s is None:
            return
        htype = s.need("clah_health_check_type", "the documents table")
        status = s.find("clah_health_check_status")
        t = clean(pl.col(htype)).str.to_lowercase()
        doc_type = (
            pl.when(t.str.contains("dental|dentist|teeth")).then(pl.lit("dental_check"))
            .when(t.str.contains("health|assessment|iha|rha")).then(pl.lit("health_assessment"))
            .otherwise(clean(pl.col(htype)))
        )
        s.used.add(htype)
        keep = None
        if status is not None:
            st = clean(s.use(status)).str.to_lowercase()
            keep = ~st.str.contains(r"refus|declin|cancel|did not|not attend|not complete").fill_null(False)
        self.add(make_part("documents", s, {
            "child_id": self.person(s, "clah_person_id"),
            "document_type": (doc_type, f"{htype}: dental checks as 'dental_check', health assessments as 'health_assessment'"),
            "document_date": s.need("clah_health_check_date", "the documents table"),
        }, keep=keep), "{are} refused, declined or cancelled, left out")

    def family_contacts(self) -> None:
        """The two contact dates the SSD holds: a care leaver's latest contact (by their personal
        adviser) and a child in care's last contact with their IRO (each read once)."""
        for name, pid, h, role, cohort in (
            ("ssd_care_leavers", "clea_person_id", "clea_care_leaver_latest_contact", "personal_adviser",
             "care_leaver"),
            ("ssd_cla_episodes", "clae_person_id", "clae_cla_last_iro_contact_date", "iro", "child_in_care"),
        ):
            s = self.get(name)
            if s is None or (date := s.find(h)) is None:
                continue
            child = self.person(s, pid)
            once = pl.struct(clean(pl.col(child)).alias("c"), clean(pl.col(date)).alias("d")).is_first_distinct()
            part = make_part("family_contacts", s, {
                "child_id": child,
                "contact_date": date,
                "contact_by": const(role),
            }, keep=nonblank(date) & once)
            self.add(supplying(part, cohort), f"{{have}} no {date} (or repeat another row's)")

    def missing(self) -> None:
        s = self.get("ssd_missing")
        if s is None:
            return
        mtype = s.find("miss_missing_episode_type")
        keep = None
        if mtype is not None:
            keep = ~clean(s.use(mtype)).str.to_lowercase().str.contains("absen").fill_null(False)
        self.add(make_part("missing_episodes", s, {
            "child_id": self.person(s, "miss_person_id"),
            "start_date": s.need("miss_missing_episode_start_date", "the missing_episodes table"),
            "return_date": s.find("miss_missing_episode_end_date"),
        }, keep=keep), "{are} recorded as absences, left out")


def read_ssd(path: Path, as_at: dt.date | None = None) -> Extract:
    """Read an SSD extract (a folder of ``ssd_*`` files, with native tables alongside).

    ``as_at`` (default today) is the audit date: an allocation that starts after it gives no
    episode its worker."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if not path.is_dir():
        raise InputError(
            f"{path} is a file: an SSD extract is a folder of ssd_*.csv files (one per SSD table)"
        )
    ssd = _SSD(path, as_at or dt.date.today())
    ssd.read()
    if not ssd.tables:
        raise InputError(f"{path} holds no ssd_*.csv files that casecheck reads")
    ssd.children()
    ssd.workers()
    ssd.episodes()
    ssd.placements()
    ssd.visits()
    ssd.assessments()
    ssd.meetings()
    ssd.referrals()
    ssd.missing()
    ssd.documents()
    ssd.family_contacts()
    parts = ssd.parts + ssd.native
    extract = Extract(
        source="ssd",
        path=path,
        parts=parts,
        sources=list(ssd.tables.values()) + [p.source for p in ssd.native],
        files=ssd.files,
        notes=ssd.notes,
        ignored=ssd.ignored,
    )
    return extract
