"""Family contacts: a worker's phone calls, texts, emails, video calls, letters and office
meetings with the child or family, besides statutory visits."""

from __future__ import annotations

import numpy as np

from casecheck.sample.draw import NEVER, lag, lapse_now, pick, recur
from casecheck.sample.tables import ADOPT, CL, CLA, CONTACT_BY, CONTACT_TYPES, EH, S47, by_type
from casecheck.sample.world import World

BY = {b: i for i, b in enumerate(CONTACT_BY)}
#: how contacts are made: (types, probabilities) for workers, personal advisers and IROs
_HOW = {
    "worker": (["phone", "text", "email", "video", "face_to_face", "letter", "other"],
               [0.45, 0.25, 0.10, 0.05, 0.10, 0.03, 0.02]),
    "personal_adviser": (["phone", "text", "email", "video", "face_to_face"],
                         [0.35, 0.30, 0.10, 0.10, 0.15]),
    "iro": (["face_to_face", "phone", "video", "text", "email"], [0.40, 0.30, 0.20, 0.05, 0.05]),
    "first": (["phone", "text", "face_to_face"], [0.60, 0.25, 0.15]),
}  # fmt: skip
#: a worker's contacts every GAP working days, by episode type (enquiries: none)
_GAP_LO = by_type(eh=15, cin=20, cp=15, cla=25, cl=15, dc=20, pf=20, sb=30, adopt=20)
_GAP_HI = by_type(eh=30, cin=45, cp=35, cla=60, cl=45, dc=45, pf=45, sb=60, adopt=45)


def _add(w: World, rng, eps, day, how: str, by) -> None:
    types, p = _HOW[how]
    codes = np.array([CONTACT_TYPES.index(x) for x in types])[pick(rng, p, len(eps))]
    worker = w.ep.iro[eps] if how == "iro" else w.ep.worker_at(eps, day)
    w.draft.add("family_contacts", child_id=w.ep.child[eps], contact_date=day, contact_type=codes,
                contact_by=by, worker_id=worker)  # fmt: skip


def family_contacts(w: World) -> None:
    """Contacts with the child or family.

    * Early help: the family contacted within 3 working days of allocation to arrange the first
      visit for four in five, on day 4 or 5 for one in twelve, later for some, not recorded for a
      few.
    * The allocated worker's contacts between visits: every 3 to 9 weeks by episode type (by the
      early help practitioner in early help, the social worker otherwise).
    * Care leavers: their personal adviser's contacts every 3 to 9 weeks (phone, text, email
      and video as often as face to face); on about half of those with a lapse now, none for 6
      to 10 months before the audit date.
    * Children in care and placed for adoption: their independent reviewing officer's contact
      within 4 weeks of coming into care and then every 2 to 5 months; on one episode in eight
      some gaps twice as long; for one open episode in sixteen, none for 5 to 10 months now.
    """
    rng = w.rng("contacts")
    ep, cal, A_idx = w.ep, w.cal, w.A_idx
    # early help: first contact after allocation
    eh = ep.of(EH)
    off = lag(rng, len(eh), [0.80, 0.08, 0.08, 0.04], [(0, 3), (4, 5), (6, 12), None])
    t = cal.ceil_idx(ep.first_alloc[eh]) + off
    ok = np.nonzero((off != NEVER) & (t <= ep.e_idx[eh]))[0]
    _add(w, rng, eh[ok], cal.day(t[ok]), "first", BY["early_help_practitioner"])

    # the allocated worker's (or personal adviser's) contacts
    eps = np.nonzero(~ep.shadow & (ep.type != S47))[0]
    et = ep.type[eps]
    s, e = ep.s_idx[eps], ep.act_idx[eps]
    cl = et == CL
    cut = np.where(cl & ep.cur_visit_lapse[eps] & ep.open[eps], 130 + (rng.random(len(eps)) * 80).astype(np.int64), 0)
    seg, t, _ = recur(rng, s, e - cut, 5, 20, _GAP_LO[et], _GAP_HI[et], late_p=0.05, late_lo=5,
                      late_hi=20)  # fmt: skip
    day = cal.day(t)
    c_eps, c_cl, c_eh = eps[seg], cl[seg], et[seg] == EH
    for mask, how, by in [
        (c_cl, "personal_adviser", BY["personal_adviser"]),
        (c_eh, "worker", BY["early_help_practitioner"]),
        (~c_cl & ~c_eh, "worker", BY["social_worker"]),
    ]:
        _add(w, rng, c_eps[mask], day[mask], how, by)

    # independent reviewing officers' contacts with children in care
    cla = ep.of(CLA, ADOPT)
    end = lapse_now(rng, ep.s_idx[cla], ep.e_idx[cla], ep.open[cla], 0.06, 105, A_idx)
    seg, t, _ = recur(
        rng, ep.s_idx[cla], end, 3, 20, 40, 105, late_p=0.05, late_lo=5, late_hi=20,
        lapse=ep.visit_lapse[cla], lapse_p=0.5, lapse_lo=2, lapse_hi=2,
    )  # fmt: skip
    keep = t <= A_idx
    _add(w, rng, cla[seg[keep]], cal.day(t[keep]), "iro", BY["iro"])
