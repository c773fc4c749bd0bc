"""The SSD source: a folder of ssd_*.csv exports mapped onto the native tables.

The central test derives an SSD extract from a synthetic authority (``generate_sample``), builds
the equivalent native tables independently (what the SSD can carry, in native terms), and checks
that auditing both gives identical findings.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from casecheck.dataset import ROW
from casecheck.engine import audit
from casecheck.errors import InputError, UsageError
from casecheck.sample import generate_sample
from casecheck.schema import TABLES
from casecheck.sources import inspect_source, load_dataset, load_frames
from casecheck.standards import resolve_profile

from conftest import without_issue_13_additions

AS_AT = dt.date(2025, 3, 31)
FAR = dt.date(9999, 12, 31)


# ---------------------------------------------------------------------------------------------
# Writing an SSD extract from native tables
# ---------------------------------------------------------------------------------------------
def _sql(col: str) -> pl.Expr:
    """A date as SQL Server writes it: 2025-03-04 00:00:00.000 (NULL when blank)."""
    return pl.col(col).dt.strftime("%Y-%m-%d 00:00:00.000").fill_null("NULL").alias(col)


def _yn(col: str) -> pl.Expr:
    return pl.col(col).replace_strict({True: "Y", False: "N"}, default="", return_dtype=pl.String)


def _write(folder: Path, name: str, frame: pl.DataFrame) -> None:
    frame.write_csv(folder / f"{name}.csv")


def write_ssd(t: dict[str, pl.DataFrame], folder: Path, as_at: dt.date) -> dict[str, pl.DataFrame]:
    """Write ``t`` (native tables) as an SSD extract in ``folder``; return the native tables
    that carry exactly what the SSD extract carries (computed here, independently of the
    mapping code)."""
    folder.mkdir(parents=True, exist_ok=True)
    eq: dict[str, pl.DataFrame] = {}
    children = t["children"]
    _write(folder, "ssd_person", children.select(
        pl.col("child_id").alias("pers_person_id"),
        pl.lit("X").alias("pers_forename"),
        pl.col("gender").alias("pers_sex"),
        _sql("date_of_birth").alias("pers_dob"),
        pl.lit("N").alias("pers_send_flag"),
    ))
    eq["children"] = children.with_columns(pl.lit(None, dtype=pl.Boolean).alias("disability"))

    workers = t["workers"]
    teams = workers.select("team").unique().sort("team").with_row_index("i").with_columns(
        pl.format("D{}", pl.col("i")).alias("dept")
    )
    dept = dict(zip(teams["team"], teams["dept"], strict=True))
    _write(folder, "ssd_department", teams.select(
        pl.col("dept").alias("dept_team_id"), pl.col("team").alias("dept_team_name"),
        pl.lit(None, dtype=pl.String).alias("dept_team_parent_id"),
    ))

    def dept_of(col: str) -> pl.Expr:
        return pl.col(col).replace_strict(dept, default=None, return_dtype=pl.String)

    _write(folder, "ssd_professionals", workers.select(
        pl.col("worker_id").alias("prof_professional_id"),
        pl.col("worker_name").alias("prof_professional_name"),
        pl.col("role").alias("prof_professional_job_title"),
        dept_of("team").alias("prof_professional_department"),
    ))
    eq["workers"] = workers.with_columns(pl.lit(None, dtype=pl.String).alias("manager"))

    ep = t["episodes"]
    by = {k: ep.filter(pl.col("episode_type").is_in(v)) for k, v in {
        "cin": ["child_in_need", "disabled_children"], "cp": ["child_protection"],
        "cla": ["child_in_care"], "eh": ["early_help"], "s47": ["s47"], "cl": ["care_leaver"],
    }.items()}
    _write(folder, "ssd_cin_plans", by["cin"].with_row_index("i").select(
        pl.format("CINP{}", "i").alias("cinp_cin_plan_id"),
        pl.col("child_id").alias("cinp_person_id"),
        _sql("start_date").alias("cinp_cin_plan_start_date"),
        _sql("end_date").alias("cinp_cin_plan_end_date"),
        dept_of("team").alias("cinp_cin_plan_team"),
        pl.col("worker_id").alias("cinp_cin_plan_worker_id"),
    ))
    _write(folder, "ssd_cp_plans", by["cp"].with_row_index("i").select(
        pl.format("CPP{}", "i").alias("cppl_cp_plan_id"),
        pl.col("child_id").alias("cppl_person_id"),
        _sql("start_date").alias("cppl_cp_plan_start_date"),
        _sql("end_date").alias("cppl_cp_plan_end_date"),
        pl.lit("NEG").alias("cppl_cp_plan_initial_category"),
    ))
    # involvements: the allocation for each CP plan and period of care (their SSD tables name
    # no worker)
    invo = pl.concat([by["cp"], by["cla"]]).with_row_index("i")
    _write(folder, "ssd_involvements", invo.select(
        pl.format("INV{}", "i").alias("invo_involvements_id"),
        pl.col("worker_id").alias("invo_professional_id"),
        dept_of("team").alias("invo_professional_team"),
        _sql("start_date").alias("invo_involvement_start_date"),
        _sql("end_date").alias("invo_involvement_end_date"),
        pl.col("child_id").alias("invo_person_id"),
    ))
    # periods of care: one SSD episode per placement within the period (a new SSD episode
    # starts at each placement change), all with the date the child entered care
    cla = by["cla"].with_row_index("period")
    pl_ = t["placements"]
    split = (
        cla.join(pl_.select("child_id", pl.col("start_date").alias("ps"), pl.col("end_date").alias("pe"),
                            "placement_id"), on="child_id", how="left")
        .filter(pl.col("ps").is_null() | (
            (pl.col("ps") >= pl.col("start_date")) & (pl.col("ps") < pl.col("end_date").fill_null(FAR))
        ))
    )
    with_pl = split.filter(pl.col("ps").is_not_null()).sort("period", "ps")
    no_pl = cla.join(with_pl.select("period").unique(), on="period", how="anti")
    eps = pl.concat([
        with_pl.select(
            "period", "child_id",
            pl.when(pl.int_range(pl.len()).over("period") == 0).then(pl.col("start_date"))
            .otherwise(pl.col("ps")).alias("s"),
            pl.when(pl.int_range(pl.len(), 0, -1).over("period") == 1).then(pl.col("end_date"))
            .otherwise(pl.col("ps").shift(-1).over("period")).alias("e"),
            pl.col("start_date").alias("entered"),
            "placement_id",
        ),
        no_pl.select("period", "child_id", pl.col("start_date").alias("s"),
                     pl.col("end_date").alias("e"), pl.col("start_date").alias("entered"),
                     pl.lit(None, dtype=pl.String).alias("placement_id")),
    ]).sort("period", "s").with_row_index("i")
    _write(folder, "ssd_cla_episodes", eps.select(
        pl.format("CLAE{}", "i").alias("clae_cla_episode_id"),
        pl.col("child_id").alias("clae_person_id"),
        _sql("s").alias("clae_cla_episode_start_date"),
        _sql("e").alias("clae_cla_episode_ceased_date"),
        pl.format("CLA{}", "period").alias("clae_cla_id"),
        pl.col("placement_id").alias("clae_cla_placement_id"),
        _sql("entered").alias("clae_entered_care_date"),
    ))
    _write(folder, "ssd_cla_placement", pl_.select(
        pl.col("placement_id").alias("clap_cla_placement_id"),
        _sql("start_date").alias("clap_cla_placement_start_date"),
        pl.col("placement_type").alias("clap_cla_placement_type"),
        _sql("end_date").alias("clap_cla_placement_end_date"),
        pl.col("child_id").alias("clap_person_id"),
    ))
    eq["placements"] = pl_.with_columns(pl.lit(None, dtype=pl.Date).alias("permanence_agreed_date"))
    _write(folder, "ssd_early_help_episodes", by["eh"].with_row_index("i").select(
        pl.format("EH{}", "i").alias("earl_episode_id"),
        pl.col("child_id").alias("earl_person_id"),
        _sql("start_date").alias("earl_episode_start_date"),
        _sql("end_date").alias("earl_episode_end_date"),
        pl.col("team").alias("earl_episode_organisation"),
        pl.col("worker_id").alias("earl_episode_worker_id"),
    ))
    _write(folder, "ssd_s47_enquiry", by["s47"].with_row_index("i").select(
        pl.format("S47{}", "i").alias("s47e_s47_enquiry_id"),
        pl.col("child_id").alias("s47e_person_id"),
        _sql("start_date").alias("s47e_s47_start_date"),
        _sql("end_date").alias("s47e_s47_end_date"),
        pl.col("worker_id").alias("s47e_s47_completed_by_worker_id"),
        dept_of("team").alias("s47e_s47_completed_by_team"),
    ))
    # care leavers: the SSD holds the current ones, from the date they last left care
    visits = t["visits"].filter(pl.col("visit_type").is_null() | (pl.col("visit_type") == "statutory"))
    cl = by["cl"].filter(
        (pl.col("start_date") <= as_at) & (pl.col("end_date").is_null() | (pl.col("end_date") > as_at))
    )
    left = by["cla"].group_by("child_id").agg(pl.col("end_date").max().alias("left"))
    dob = children.select("child_id", "date_of_birth")
    latest_visit = visits.filter(pl.col("visit_date") <= as_at).group_by("child_id").agg(
        pl.col("visit_date").max().alias("contact")
    )
    ppr = t["meetings"].filter(
        (pl.col("meeting_type") == "pathway_plan_review") & (pl.col("meeting_date") <= as_at)
    ).group_by("child_id").agg(pl.col("meeting_date").max().alias("ppr"))
    cl = (
        cl.join(left, on="child_id", how="left").join(dob, on="child_id", how="left")
        .join(latest_visit, on="child_id", how="left").join(ppr, on="child_id", how="left")
        .with_columns(pl.coalesce("left", pl.col("date_of_birth").dt.offset_by("18y")).alias("cl_start"))
    )
    _write(folder, "ssd_care_leavers", cl.with_row_index("i").select(
        pl.format("CL{}", "i").alias("clea_table_id"),
        pl.col("child_id").alias("clea_person_id"),
        pl.lit("Former relevant").alias("clea_care_leaver_eligibility"),
        pl.lit("Y").alias("clea_care_leaver_in_touch"),
        _sql("contact").alias("clea_care_leaver_latest_contact"),
        _sql("ppr").alias("clea_pathway_plan_review_date"),
        dept_of("team").alias("clea_care_leaver_allocated_team"),
        pl.col("worker_id").alias("clea_care_leaver_worker_id"),
    ))
    # the latest contact is also a contact by the personal adviser
    eq["family_contacts"] = cl.filter(pl.col("contact").is_not_null()).select(
        "child_id", pl.col("contact").alias("contact_date"), pl.lit("personal_adviser").alias("contact_by"),
    )
    # CP plans and periods of care take their worker, and its allocation date, from the
    # involvement that overlaps them and started last
    own = ep.filter(~pl.col("episode_type").is_in(["care_leaver"])).with_row_index("_e")
    alloc = (
        own.filter(pl.col("episode_type").is_in(["child_protection", "child_in_care"]))
        .join(invo.select("child_id", pl.col("start_date").alias("i_s"), pl.col("end_date").alias("i_e")),
              on="child_id")
        .filter((pl.col("i_e").fill_null(FAR) > pl.col("start_date"))
                & (pl.col("i_s") < pl.col("end_date").fill_null(FAR)))
        .group_by("_e").agg(pl.col("i_s").max().alias("allocated_date"))
    )
    eq["episodes"] = pl.concat([
        own.join(alloc, on="_e", how="left").drop("_e").with_columns(
            pl.col("episode_type").replace({"disabled_children": "child_in_need"})
        ),
        cl.select("child_id", "episode_type", pl.col("cl_start").alias("start_date"),
                  pl.lit(None, dtype=pl.Date).alias("end_date"), "team", "worker_id"),
    ], how="diagonal_relaxed")

    # visits: statutory ones, each in the SSD table of the child's episode kind
    kind = ep.group_by("child_id").agg(
        pl.col("episode_type").is_in(["child_in_care"]).any().alias("cla"),
        pl.col("episode_type").is_in(["child_protection"]).any().alias("cp"),
    )
    v = visits.join(kind, on="child_id", how="left").with_row_index("i")
    common = [_sql("visit_date"), _yn("seen").alias("seen"), _yn("seen_alone").alias("alone"),
              _yn("bedroom_seen").alias("bedroom")]
    vcla = v.filter(pl.col("cla").fill_null(False))
    vcp = v.filter(~pl.col("cla").fill_null(False) & pl.col("cp").fill_null(False))
    vcin = v.filter(~pl.col("cla").fill_null(False) & ~pl.col("cp").fill_null(False))
    for name, frame, prefix, bed in (("ssd_cin_visits", vcin, "cinv_cin_visit", True),
                                     ("ssd_cp_visits", vcp, "cppv_cp_visit", True),
                                     ("ssd_cla_visits", vcla, "clav_cla_visit", False)):
        short = prefix.split("_")[0]
        cols = frame.select(
            pl.format("V{}", "i").alias(f"{prefix}_id"),
            pl.col("child_id").alias(f"{short}_person_id"),
            *common,
        ).rename({"visit_date": f"{prefix}_date", "seen": f"{prefix}_seen",
                  "alone": f"{prefix}_seen_alone", "bedroom": f"{prefix}_bedroom"})
        if not bed:
            cols = cols.drop(f"{prefix}_bedroom")
        _write(folder, name, cols)
    eq["visits"] = pl.concat([
        pl.concat([
            vcin.select(visits.columns), vcp.select(visits.columns),
            vcla.select(visits.columns).with_columns(pl.lit(None, dtype=pl.Boolean).alias("bedroom_seen")),
        ]).with_columns(pl.lit("statutory").alias("visit_type")),
        # a care leaver's latest contact is a visit too (seen and type unknown)
        cl.filter(pl.col("contact").is_not_null()).select(
            "child_id", pl.col("contact").alias("visit_date"),
            *[pl.lit(None, dtype=pl.Boolean).alias(c) for c in ("seen", "seen_alone", "bedroom_seen")],
            pl.lit(None, dtype=pl.String).alias("visit_type"),
        ),
    ], how="diagonal").with_columns(
        pl.lit(None, dtype=pl.String).alias("worker_id"),
        pl.lit(None, dtype=pl.Date).alias("recorded_date"),
    ).select(visits.columns)

    a = t["assessments"].filter(pl.col("assessment_type") == "child_and_family")
    _write(folder, "ssd_cin_assessments", a.with_row_index("i").select(
        pl.format("A{}", "i").alias("cina_assessment_id"),
        pl.col("child_id").alias("cina_person_id"),
        _sql("start_date").alias("cina_assessment_start_date"),
        _sql("authorised_date").alias("cina_assessment_auth_date"),
    ))
    eq["assessments"] = a.with_columns(pl.col("authorised_date").alias("completed_date"))

    m = t["meetings"]
    _write(folder, "ssd_initial_cp_conference", m.filter(pl.col("meeting_type") == "icpc").select(
        pl.col("child_id").alias("icpc_person_id"), _sql("meeting_date").alias("icpc_icpc_date"),
    ))
    _write(folder, "ssd_cp_reviews", m.filter(pl.col("meeting_type") == "rcpc").select(
        pl.col("child_id").alias("cppr_person_id"), _sql("meeting_date").alias("cppr_cp_review_date"),
    ))
    # looked-after reviews name the period of care (clar_cla_id), not the child
    reviews = (
        m.filter(pl.col("meeting_type") == "cla_review")
        .join(cla.select("child_id", "period", "start_date", "end_date"), on="child_id")
        .filter((pl.col("meeting_date") >= pl.col("start_date"))
                & (pl.col("meeting_date") < pl.col("end_date").fill_null(FAR)))
        .unique(["child_id", "meeting_date"], keep="first", maintain_order=True)
    )
    cancelled = reviews.head(3).with_columns(pl.col("meeting_date") - pl.duration(days=1))
    _write(folder, "ssd_cla_reviews", pl.concat([
        reviews.with_columns(pl.lit("N").alias("c")),
        cancelled.with_columns(pl.lit("Y").alias("c")),
    ]).select(
        pl.format("CLA{}", "period").alias("clar_cla_id"),
        _sql("meeting_date").alias("clar_cla_review_date"),
        pl.col("c").alias("clar_cla_review_cancelled"),
    ))
    # other meetings (core groups, CIN reviews, TAF...) are not in the SSD: a native file
    others = m.filter(~pl.col("meeting_type").is_in(
        ["icpc", "rcpc", "cla_review", "strategy_discussion", "pathway_plan_review"]
    ))
    others.write_csv(folder / "meetings.csv")
    eq["meetings"] = pl.concat([
        m.filter(pl.col("meeting_type").is_in(["icpc", "rcpc"])),
        reviews.select(m.columns),
        others,
        by["s47"].select("child_id", pl.lit("strategy_discussion").alias("meeting_type"),
                         pl.col("start_date").alias("meeting_date")),
        cl.filter(pl.col("ppr").is_not_null()).select(
            "child_id", pl.lit("pathway_plan_review").alias("meeting_type"),
            pl.col("ppr").alias("meeting_date")),
    ])

    r = t["referrals"].with_row_index("i")
    own_id = pl.col("referral_id") if "referral_id" in r.columns else pl.lit(None, dtype=pl.String)
    r = r.with_columns(pl.coalesce(own_id, pl.format("R{}", "i")).alias("referral_id")).drop("i")
    _write(folder, "ssd_cin_episodes", r.select(
        pl.col("referral_id").alias("cine_referral_id"),
        pl.col("child_id").alias("cine_person_id"),
        _sql("received_date").alias("cine_referral_date"),
        pl.when(pl.col("outcome") == "nfa").then(pl.lit("Y")).otherwise(pl.lit("N")).alias("cine_referral_nfa"),
    ))
    eq["referrals"] = r.with_columns(
        pl.lit(None, dtype=pl.Date).alias("decision_date"),
        pl.when(pl.col("outcome") == "nfa").then(pl.lit("nfa")).alias("outcome"),
    )

    mi = t["missing_episodes"]
    absent = mi.head(1).with_columns(pl.lit("Absent").alias("type"))
    _write(folder, "ssd_missing", pl.concat([mi.with_columns(pl.lit("Missing").alias("type")), absent]).select(
        pl.col("child_id").alias("miss_person_id"),
        _sql("start_date").alias("miss_missing_episode_start_date"),
        pl.col("type").alias("miss_missing_episode_type"),
        _sql("return_date").alias("miss_missing_episode_end_date"),
    ))
    eq["missing_episodes"] = mi.with_columns(pl.lit(None, dtype=pl.Date).alias("return_interview_date"))

    # health checks of children in care: two done, one refused (left out)
    h = by["cla"].select("child_id", "start_date").unique("child_id", keep="first", maintain_order=True)
    checks = pl.concat([
        h.select("child_id", pl.lit("Review Health Assessment").alias("type"),
                 (pl.col("start_date") + pl.duration(days=15)).alias("d"), pl.lit("Completed").alias("st")),
        h.select("child_id", pl.lit("Dental Check").alias("type"),
                 (pl.col("start_date") + pl.duration(days=40)).alias("d"), pl.lit("Completed").alias("st")),
        h.select("child_id", pl.lit("Dental Check").alias("type"),
                 (pl.col("start_date") + pl.duration(days=50)).alias("d"), pl.lit("Refused").alias("st")),
    ])
    _write(folder, "ssd_cla_health", checks.select(
        pl.col("child_id").alias("clah_person_id"), pl.col("type").alias("clah_health_check_type"),
        _sql("d").alias("clah_health_check_date"), pl.col("st").alias("clah_health_check_status"),
    ))
    # supervision and documents are not in the SSD: native files beside it
    t["supervisions"].write_csv(folder / "supervisions.csv")
    t["documents"].write_csv(folder / "documents.csv")
    eq["supervisions"] = t["supervisions"]
    eq["documents"] = pl.concat([
        t["documents"],
        checks.filter(pl.col("st") == "Completed").select(
            "child_id",
            pl.when(pl.col("type") == "Dental Check").then(pl.lit("dental_check"))
            .otherwise(pl.lit("health_assessment")).alias("document_type"),
            pl.col("d").alias("document_date"),
            pl.lit(None, dtype=pl.Date).alias("created_date"),
        ),
    ])
    # a contacts table the SSD source does not read
    pl.DataFrame({"cont_contact_id": ["C1"], "cont_person_id": [children["child_id"][0]],
                  "cont_contact_date": ["2025-01-02 00:00:00.000"]}).write_csv(folder / "ssd_contacts.csv")
    return eq


@pytest.fixture(scope="module")
def sample_tables():
    return without_issue_13_additions(generate_sample(children=160, seed=11, as_at=AS_AT, years=3))


@pytest.fixture(scope="module")
def ssd_pair(sample_tables, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ssd")
    eq = write_ssd(sample_tables, folder, AS_AT)
    # a column the SSD does not carry is left out of the native equivalent too (not supplied,
    # rather than supplied blank), so rules needing it are "not assessed" in both
    eq = {
        name: frame.drop([c for c in frame.columns
                          if frame[c].null_count() == frame.height and not TABLES[name].column(c).required])
        for name, frame in eq.items()
    }
    return folder, eq


def _findings(ds, profile: str):
    return audit(ds, resolve_profile(profile), as_at=AS_AT).findings


@pytest.mark.parametrize("profile", ["redcar-cleveland", "england-statutory", "torbay"])
def test_ssd_and_equivalent_native_tables_give_identical_findings(ssd_pair, profile):
    folder, eq = ssd_pair
    from_ssd = load_dataset(folder, as_at=AS_AT)
    assert from_ssd.source == "ssd"
    native = load_frames(eq, as_at=AS_AT)
    a, b = _findings(from_ssd, profile), _findings(native, profile)
    assert a.height > 100
    # a rule the SSD never holds the events for (early help assessments) is not assessed from
    # the SSD, while the native tables simply have none: compare the rules assessed in both
    both = set(a["rule_id"]) & set(b["rule_id"])
    assert_frame_equal(a.filter(pl.col("rule_id").is_in(both)), b.filter(pl.col("rule_id").is_in(both)))


def test_ssd_tables_equal_the_equivalent_native_tables(ssd_pair):
    folder, eq = ssd_pair
    from_ssd = load_dataset(folder, source="ssd", as_at=AS_AT)
    native = load_frames(eq, as_at=AS_AT)
    assert set(from_ssd.tables) == set(native.tables)
    for name in native.tables:
        cols = [c for c in native.tables[name].columns if c != ROW]
        a = from_ssd.tables[name].select(cols).sort(cols, nulls_last=True)
        b = native.tables[name].select(cols).sort(cols, nulls_last=True)
        assert_frame_equal(a, b, check_dtypes=True), name


# ---------------------------------------------------------------------------------------------
# Small SSD extracts written by hand
# ---------------------------------------------------------------------------------------------
def small_ssd(folder: Path, **extra: str) -> Path:
    files = {
        "ssd_person": "pers_person_id,pers_sex,pers_dob\n"
                      "007,F,2010-02-01 00:00:00.000\n"
                      "008,M,2006-05-06 00:00:00.000\n"
                      "009,M,NULL\n",
        "ssd_cp_plans": "cppl_cp_plan_id,cppl_person_id,cppl_cp_plan_start_date,cppl_cp_plan_end_date\n"
                        "P1,007,2024-11-04 00:00:00.000,NULL\n",
        "ssd_involvements": "invo_involvements_id,invo_professional_id,invo_professional_team,"
                            "invo_involvement_start_date,invo_involvement_end_date,invo_person_id\n"
                            "I1,W1,T1,2024-01-01 00:00:00.000,2024-12-01 00:00:00.000,007\n"
                            "I2,W2,T2,2024-12-01 00:00:00.000,NULL,007\n"
                            "I3,W9,T1,2025-06-01 00:00:00.000,NULL,007\n",
        "ssd_department": "dept_team_id,dept_team_name\nT1,Safeguarding 1\nT2,Safeguarding 2\n",
        "ssd_cla_episodes": "clae_cla_episode_id,clae_person_id,clae_cla_episode_start_date,"
                            "clae_cla_episode_ceased_date,clae_cla_id,clae_entered_care_date\n"
                            "E1,008,2022-01-10 00:00:00.000,2022-06-01 00:00:00.000,C1,2022-01-10 00:00:00.000\n"
                            "E2,008,2022-06-01 00:00:00.000,2024-05-06 00:00:00.000,C1,2022-01-10 00:00:00.000\n"
                            "E3,009,2023-01-01 00:00:00.000,2023-02-01 00:00:00.000,C2,NULL\n"
                            "E4,009,2024-03-01 00:00:00.000,NULL,C3,NULL\n"
                            "E5,009,next week,NULL,C4,NULL\n",
        "ssd_cla_reviews": "clar_cla_review_id,clar_cla_id,clar_cla_review_date,clar_cla_review_cancelled\n"
                           "R1,C3,2024-03-20 00:00:00.000,N\n"
                           "R2,C3,2024-09-01 00:00:00.000,Y\n"
                           "R3,C99,2024-09-02 00:00:00.000,N\n",
        "ssd_care_leavers": "clea_table_id,clea_person_id,clea_care_leaver_latest_contact,"
                            "clea_pathway_plan_review_date,clea_care_leaver_worker_id\n"
                            "L1,008,2025-03-01 00:00:00.000,NULL,W3\n",
        "ssd_cp_visits": "cppv_cp_visit_id,cppv_person_id,cppv_cp_visit_date,cppv_cp_visit_seen,"
                         "cppv_cp_visit_seen_alone,cppv_cp_visit_bedroom\n"
                         "V1,007,2025-03-10 00:00:00.000,Y,N,Y\n"
                         "V2,007,2025-31-03 00:00:00.000,Y,Y,Y\n",
        "ssd_cin_visits": "cinv_cin_visit_id,cinv_person_id,cinv_cin_visit_date,cinv_cin_visit_seen,"
                          "cinv_cin_visit_seen_alone,cinv_cin_visit_bedroom\n"
                          "V3,007,2025-03-10 00:00:00.000,Y,N,Y\n",
        "ssd_contacts": "cont_contact_id,cont_person_id,cont_contact_date\nK1,007,2025-01-01\n",
        "ssd_legal_status": "lega_legal_status_id,lega_person_id\nX,008\n",
    } | extra
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_small_ssd_extract(tmp_path):
    ds = load_dataset(small_ssd(tmp_path / "ssd"), as_at=AS_AT)
    assert ds.source == "ssd"
    ep = ds.tables["episodes"].drop(ROW).sort("child_id", "start_date")
    assert ep.rows() == [
        # the CP plan takes the worker whose allocation overlaps it and started last, and the
        # day that allocation started
        ("007", "child_protection", dt.date(2024, 11, 4), None, "Safeguarding 2", "W2",
         dt.date(2024, 12, 1), None),
        # two SSD episodes of one period of care make one episode
        ("008", "child_in_care", dt.date(2022, 1, 10), dt.date(2024, 5, 6), None, None, None, None),
        # a care leaver from the date they left care
        ("008", "care_leaver", dt.date(2024, 5, 6), None, None, "W3", None, None),
        # a gap between episodes starts a new period
        ("009", "child_in_care", dt.date(2023, 1, 1), dt.date(2023, 2, 1), None, None, None, None),
        ("009", "child_in_care", dt.date(2024, 3, 1), None, None, None, None, None),
    ]
    # the care leaver's latest contact is a visit and a contact by the personal adviser
    assert ds.tables["family_contacts"].drop(ROW).rows() == [
        ("008", dt.date(2025, 3, 1), None, "personal_adviser", None)]
    issues = ds.quality.issues.select("table", "file", "row", "reason").rows()
    assert ("episodes", "ssd_cla_episodes.csv", 6, "start_date is not a date: 'next week'") in issues
    assert ("visits", "ssd_cp_visits.csv", 3,
            "visit_date is not a date: '2025-31-03 00:00:00.000'") in issues
    # the same visit in two SSD tables: the second is a duplicate, named with its file and row
    assert ("visits", "ssd_cp_visits.csv", 2, "duplicate of row 2 of ssd_cin_visits.csv") in issues
    # a review of an unknown period of care has no child
    assert ("meetings", "ssd_cla_reviews.csv", 4, "child_id is blank") in issues
    meetings = ds.tables["meetings"].select("child_id", "meeting_type", "meeting_date").rows()
    assert meetings == [("009", "cla_review", dt.date(2024, 3, 20))]  # the cancelled one is left out
    rep = ds.quality.reports["meetings"]
    assert any("1 of its rows is cancelled, left out" in n for n in rep.notes)
    for r in ds.quality.reports.values():
        assert r.rows_read == r.rows_used + r.rows_rejected


def test_ssd_inspection_lists_what_is_not_read(tmp_path):
    insp = inspect_source(small_ssd(tmp_path / "ssd"))
    assert insp.source == "ssd" and insp.detected
    assert any(line.startswith("ssd_contacts.csv: not used (contacts are not referrals") for line in insp.ignored)
    assert not any(line.startswith("ssd_legal_status.csv") for line in insp.ignored)
    cla = next(f for f in insp.files if f.file == "ssd_cla_episodes.csv")
    assert cla.unmapped == ["clae_cla_episode_id"]
    assert cla.tables == ["episodes", "meetings"] or cla.tables == ["episodes"]


def test_ssd_needs_a_person_table_and_a_folder(tmp_path):
    folder = small_ssd(tmp_path / "ssd")
    (folder / "ssd_person.csv").unlink()
    with pytest.raises(InputError, match="has no ssd_person file"):
        load_dataset(folder)
    with pytest.raises(InputError, match="an SSD extract is a folder"):
        load_dataset(folder / "ssd_cp_plans.csv", source="ssd")
    with pytest.raises(UsageError, match="--source ssd needs no mapping"):
        load_dataset(folder, source="ssd", mapping="lcs")


def test_ssd_missing_required_field_names_the_file(tmp_path):
    folder = small_ssd(tmp_path / "ssd", ssd_cp_plans="cppl_cp_plan_id,cppl_person_id\nP1,007\n")
    with pytest.raises(InputError, match=r"ssd_cp_plans\.csv has no 'cppl_cp_plan_start_date' column"):
        load_dataset(folder)


def test_episode_worker_from_the_allocated_case_worker_role_only(tmp_path):
    """An IRO's or a personal adviser's involvement does not make them the episode's worker:
    only the allocated case worker's role counts ('ALLOCATED CASE WORKER'; 'CW' on recent
    Liquid Logic extracts), and inspect says which roles were used."""
    folder = small_ssd(tmp_path / "ssd", ssd_involvements=(
        "invo_involvements_id,invo_professional_id,invo_professional_role_id,invo_professional_team,"
        "invo_involvement_start_date,invo_involvement_end_date,invo_person_id\n"
        "I1,W1,ALLOCATED CASE WORKER,T1,2024-01-01 00:00:00.000,NULL,007\n"
        "I2,W7,IRO,T2,2024-12-01 00:00:00.000,NULL,007\n"  # later, but not the case worker
        "I3,W8,CW,T2,2022-01-10 00:00:00.000,NULL,008\n"
    ))
    ds = load_dataset(folder, as_at=AS_AT)
    workers = dict(ds.tables["episodes"].filter(pl.col("episode_type") != "care_leaver")
                   .select("child_id", "worker_id").iter_rows())
    assert workers["007"] == "W1"  # not W7, the IRO whose involvement started later
    assert workers["008"] == "W8"  # the role code 'CW'
    notes = " ".join(inspect_source(folder).notes)
    assert "with role 'ALLOCATED CASE WORKER' (1), 'CW' (1); other roles not used: 'IRO' (1)" in notes


def test_involvements_without_a_case_worker_role_are_all_used_and_said_so(tmp_path):
    folder = small_ssd(tmp_path / "ssd", ssd_involvements=(
        "invo_involvements_id,invo_professional_id,invo_professional_role_id,"
        "invo_involvement_start_date,invo_involvement_end_date,invo_person_id\n"
        "I1,W1,Key worker,2024-01-01 00:00:00.000,NULL,007\n"
    ))
    ds = load_dataset(folder, as_at=AS_AT)
    assert dict(ds.tables["episodes"].select("child_id", "worker_id").iter_rows())["007"] == "W1"
    notes = " ".join(inspect_source(folder).notes)
    assert "no involvement has the allocated case worker's role" in notes
    assert "roles seen: 'Key worker' (1)" in notes


def test_ssd_legal_status_splits_a_placement_and_iro_contacts_are_read(tmp_path):
    # 008 placed at home (P1) on 10 Jan 2022 under an interim care order (C1); the full care order
    # (C2) is made on 1 Mar 2022 while the placement goes on: two rows of one placement
    folder = small_ssd(
        tmp_path / "ssd",
        ssd_cla_placement="clap_cla_placement_id,clap_person_id,clap_cla_placement_start_date,"
                          "clap_cla_placement_end_date,clap_cla_placement_type\n"
                          "PL1,008,2022-01-10 00:00:00.000,2024-05-06 00:00:00.000,P1\n",
        ssd_legal_status="lega_legal_status_id,lega_person_id,lega_legal_status,"
                         "lega_legal_status_start_date,lega_legal_status_end_date\n"
                         "LS1,008,C1,2022-01-10 00:00:00.000,2022-03-01 00:00:00.000\n"
                         "LS2,008,C2,2022-03-01 00:00:00.000,NULL\n",
        ssd_cla_episodes="clae_cla_episode_id,clae_person_id,clae_cla_episode_start_date,"
                         "clae_cla_episode_ceased_date,clae_cla_id,clae_cla_last_iro_contact_date\n"
                         "E1,008,2022-01-10 00:00:00.000,2022-06-01 00:00:00.000,C1,2022-05-20 00:00:00.000\n"
                         "E2,008,2022-06-01 00:00:00.000,2024-05-06 00:00:00.000,C1,2022-05-20 00:00:00.000\n",
    )
    ds = load_dataset(folder, as_at=AS_AT)
    places = ds.tables["placements"].select("placement_id", "start_date", "end_date", "placement_type",
                                            "legal_status").sort("start_date").rows()
    assert places == [
        ("PL1", dt.date(2022, 1, 10), dt.date(2022, 3, 1), "P1", "C1"),
        ("PL1", dt.date(2022, 3, 1), dt.date(2024, 5, 6), "P1", "C2"),
    ]
    # the last IRO contact, repeated on both SSD episodes of the period, is one contact
    iro = ds.tables["family_contacts"].filter(pl.col("contact_by") == "iro")
    assert iro.select("child_id", "contact_date").rows() == [("008", dt.date(2022, 5, 20))]
    assert ds.quality.reports["placements"].mapping["legal_status"].startswith("the legal status in force")
