"""Price tables: the active table to view and edit, upload a clinic's own, download it, and
see what differs from the shipped table."""

import pandas as pd
import streamlit as st

from calculator.content import evidence
from calculator.errors import CostModelError, InputError
from calculator.io import price_table_from_frame
from calculator.models import CATEGORIES, PriceTable
from calculator.overlay import ClinicPrices, overlay_prices, read_clinic_list
from calculator.presentation import price_table_changes, table_frame, table_metadata
from calculator.serialize import price_table_to_csv, price_table_to_xlsx
from ui import state, uploads, widgets
from ui.i18n import _
from ui.widgets import md

PAGE = "price_tables"

st.title(_("Price tables"))

context = state.now()
scenario = context.scenario_or_stop()
EVIDENCE_LABELS = evidence().labels

table = scenario.prices
currency = table.currency
plan = scenario.insurance
uncovered = set(plan.uncovered_codes) if plan is not None else set()

# ------------------------------------------------------------------------------------------
# The active table: edited in place; every change is checked before it is used

st.header(md(_(table.label or table.name)), anchor=False)
facts = (
    (_("Currency"), currency),
    (_("Region"), _(table.region) if table.region else "–"),
    (_("Year"), table.year or "–"),
    (_("Items"), f"{len(table.rows)}"),
    (_("Schedules"), ", ".join(_(s) for s in table.schedules)),
)
st.markdown(" · ".join(f"{name}: **{md(value)}**" for name, value in facts))
if table.description:
    st.write(md(_(table.description)))

scenario_name = _(scenario.label or scenario.name)
if plan is not None:
    coverage_text = _(
        "The current scenario ({scenario}) prices covered care at the {schedule} schedule and what the plan does "
        "not cover ({codes}) at the {uncovered} schedule."
    ).format(
        scenario=scenario_name,
        schedule=_(scenario.schedule),
        codes=", ".join(sorted(uncovered)) or _("nothing"),
        uncovered=_(scenario.uncovered_schedule),
    )
else:
    coverage_text = _("The current scenario ({scenario}) prices care at the {schedule} schedule (self-pay).").format(
        scenario=scenario_name, schedule=_(scenario.schedule)
    )
st.caption(md(coverage_text))
notes = dict(table.schedule_notes)
if notes:
    st.markdown(
        "\n".join(
            f"- **{md(_(s)[:1].upper() + _(s)[1:])}**: {md(_(notes[s]))}" for s in table.schedules if notes.get(s)
        )
    )

# Above the editor, with a line of text in between: below it, the editor's toolbar (shown on hover,
# over the element above) covered this button.
if st.session_state["price_table"] is not None:
    st.button(
        _("Reset to the shipped table") if st.session_state["loaded"] is None else _("Reset to the scenario's table"),
        key=f"{PAGE}_reset",
        on_click=state.reset_data,
        args=("price_table",),
        icon=":material/restart_alt:",
    )
st.markdown(
    "**" + md(_("Items")) + "** " + md(_("(edit any cell, add rows at the bottom, select rows to delete them)"))
)
key = widgets.editor_key(PAGE, "table")
source = widgets.editor_source(key, lambda: table_frame(table))
column_config = {
    "code": st.column_config.TextColumn(_("Code"), required=True, pinned=True),
    "description": st.column_config.TextColumn(_("Description"), width="medium"),
    "category": st.column_config.SelectboxColumn(_("Category"), options=list(CATEGORIES), required=True),
    "unit": st.column_config.TextColumn(_("Unit")),
    **{
        s: st.column_config.NumberColumn(
            _(s).replace("_", " ").capitalize(),
            format="%.2f",
            help=_("Price in {currency} ({note})").format(currency=currency, note=_(notes.get(s, s))),
        )
        for s in source.columns
        if s in table.schedules
    },
    "source": st.column_config.TextColumn(_("Source"), width="large"),
    "as_of": st.column_config.TextColumn(_("As of")),
    "evidence": st.column_config.SelectboxColumn(
        _("Evidence"),
        options=list(EVIDENCE_LABELS),
        help="; ".join(f"{t} = {_(m)}" for t, m in EVIDENCE_LABELS.items()),
    ),
    "note": st.column_config.TextColumn(_("Note"), width="large"),
}
edited = st.data_editor(
    source,
    key=key,
    num_rows="dynamic",
    hide_index=True,
    column_config=column_config,
    height=420,
)
if widgets.has_edits(key):
    try:
        candidate = price_table_from_frame(edited, name=table.name, metadata=table_metadata(table))
        if candidate != table:
            state.use_price_table(candidate)
            st.rerun()  # every page element above now shows the new table
    except InputError as error:
        widgets.show_problems(error, _("These changes are not used yet (the numbers use the last valid table):"))
    else:
        st.caption(_("Your edits are in use on every page."))

st.caption(
    md(
        _("Evidence tags:")
        + " "
        + "; ".join(f"{tag} = {_(meaning)}" for tag, meaning in EVIDENCE_LABELS.items())
        + ". "
        + _("Rows tagged U, A or M are assumptions, not sourced facts.")
    )
)
left, right = st.columns(2)
hash_ = context.input_hash
left.download_button(
    _("Download this table (CSV)"),
    f"# Exported with the scenario of input hash {hash_}\n" + price_table_to_csv(table),
    file_name=f"{table.name or 'prices'}.csv",
    mime="text/csv",
    key=f"{PAGE}_csv",
    on_click="ignore",
    icon=":material/download:",
)
right.download_button(
    _("Download this table (Excel)"),
    lambda: price_table_to_xlsx(table),  # built only when clicked
    file_name=f"{table.name or 'prices'}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key=f"{PAGE}_xlsx",
    on_click="ignore",
    icon=":material/download:",
)

# ------------------------------------------------------------------------------------------
# What differs from the shipped table

shipped = context.preset.prices
changes = price_table_changes(shipped, table)
st.header(_("Differences from the shipped table"), anchor=False)
if changes.empty:
    st.caption(
        md(
            _("None: this is the shipped table {table} ({name}) as published.").format(
                table=_(shipped.label), name=shipped.name
            )
        )
    )
else:
    counts = changes["change"].value_counts()
    st.caption(
        md(
            _("Compared with the shipped table {table}:").format(table=_(shipped.label))
            + " "
            + ", ".join(f"{counts[c]} {_(c)}" for c in ("changed", "added", "removed") if c in counts)
            + "."
        )
    )
    shown_changes = changes.assign(
        change=[_(c) for c in changes["change"]], description=[_(d) for d in changes["description"]]
    )
    st.dataframe(
        shown_changes.rename(
            columns={
                "code": _("Code"),
                "change": _("Change"),
                "description": _("Description"),
                "what changed": _("What changed"),
            }
        ),
        hide_index=True,
        key=f"{PAGE}_changes",
        column_config={_("What changed"): st.column_config.TextColumn(width="large")},
    )
missing = [s for s in shipped.schedules if s not in table.schedules]
if missing:
    st.caption(md(_("Schedules of the shipped table missing here: {schedules}.").format(schedules=", ".join(missing))))

# ------------------------------------------------------------------------------------------
# Upload a clinic's table

st.header(_("Use your clinic's price table"), anchor=False)
with st.container(border=True):
    st.caption(
        md(
            _(
                "A CSV or Excel (.xlsx) file of at most {size} MB with the columns code, description, "
                "category, unit, one column per price schedule (e.g. commercial, self_pay), source and as_of; "
                "optionally evidence and note. Download the table above for a template. The currency, region, "
                "label and year can come from a '# key: value' header in the CSV or from a separate .toml file. "
                "The file is read in memory for this session only: it is not stored on the server."
            ).format(size=uploads.MAX_UPLOAD_MB)
        )
    )
    left, right = st.columns(2)
    upload = left.file_uploader(
        _("Price table (CSV or XLSX)"),
        type=["csv", "xlsx"],
        key=f"{PAGE}_upload",
        max_upload_size=uploads.MAX_UPLOAD_MB,
    )
    right.file_uploader(
        _("Metadata (optional .toml)"), type=["toml"], key=f"{PAGE}_upload_meta", max_upload_size=uploads.MAX_UPLOAD_MB
    )
    st.button(
        _("Use this table"),
        key=f"{PAGE}_upload_apply",
        type="primary",
        on_click=uploads.use_uploaded_table,
        args=(f"{PAGE}_upload", f"{PAGE}_upload_meta"),
        disabled=upload is None,
    )
    if upload is None:
        st.session_state["upload_problems"] = None  # the message belonged to a file no longer chosen
    problem = st.session_state.get("upload_problems")
    if problem is not None:
        widgets.show_problems(problem, _("This table was not used; the previous table and numbers are unchanged:"))

# ------------------------------------------------------------------------------------------
# A clinic's own price list laid over the active table (SPEC §3.5)


def _apply_clinic_list(new_table: PriceTable, file_name: str, changed: int) -> None:
    """Callback of "Apply": the list's prices replace the table's where the scenario stays valid."""
    try:
        state.use_price_table(new_table)
    except CostModelError as error:
        state.notice("warning", _("Your file {name} was not applied: {error}").format(name=file_name, error=error))
        return
    st.session_state["data_rev"] += 1
    state.notice("success", _("Your file {name} is applied: {n} prices changed.").format(name=file_name, n=changed))


st.header(_("Lay your clinic's price list over this table"), anchor=False)
with st.container(border=True):
    st.caption(
        _(
            "Whatever you have: a code column and one or more price columns (e.g. cash), for any number of codes. "
            "Its prices replace this table's for the schedule you choose; every other price stays. Read in memory "
            "for this session only."
        )
    )
    clinic_upload = st.file_uploader(
        _("Price list (CSV or XLSX)"),
        type=["csv", "xlsx"],
        key=f"{PAGE}_clinic_upload",
        max_upload_size=uploads.MAX_UPLOAD_MB,
    )
    if clinic_upload is not None:
        clinic: ClinicPrices | None
        try:
            uploads.check_upload_size(clinic_upload.size, clinic_upload.name)
            clinic = read_clinic_list(clinic_upload.getvalue(), clinic_upload.name)
        except InputError as error:
            widgets.show_problems(error, _("Your file could not be read; nothing has changed:"))
            clinic = None
        if clinic is not None:
            mapping = {}
            columns = st.columns(min(len(clinic.columns), 3))
            for i, column in enumerate(clinic.columns):
                matches = column in table.schedules
                guess = column if matches else ("self_pay" if "self_pay" in table.schedules else table.schedules[0])
                with columns[i % len(columns)]:
                    if not matches:
                        st.caption(
                            _("Your file {name}: column '{column}' matches no schedule of this table.").format(
                                name=clinic.name, column=column
                            )
                        )
                    mapping[column] = st.selectbox(
                        _("Column '{column}' holds the prices of").format(column=column),
                        list(table.schedules),
                        index=list(table.schedules).index(guess),
                        format_func=lambda s: s.replace("_", " "),
                        key=f"{PAGE}_clinic_map_{column}",
                    )
            used_codes = {item.code for p in scenario.pathways.pathways for v in p.visits for item in v.items}
            try:
                overlaid, price_changes = overlay_prices(table, clinic, mapping, used=used_codes)
            except InputError as error:
                widgets.show_problems(error, _("Your file could not be applied; nothing has changed:"))
            else:
                changed = [c for c in price_changes if c.changed]
                st.markdown(
                    _("**Your file {name}**: {n} of its {total} prices differ from this table.").format(
                        name=md(clinic.name), n=len(changed), total=len(price_changes)
                    )
                )
                if changed:
                    preview = pd.DataFrame(
                        [
                            {
                                _("Code"): c.code,
                                _("Column in your file"): c.column,
                                _("Schedule"): c.schedule.replace("_", " "),
                                _("Now"): "–" if c.old is None else widgets.money(c.old, currency),
                                _("From your file"): widgets.money(c.new, currency),
                                _("Billed by the options"): _("yes") if c.used else _("no"),
                            }
                            for c in changed
                        ]
                    )
                    st.dataframe(preview, hide_index=True, key=f"{PAGE}_clinic_preview")
                unused = sorted({c.code for c in price_changes if not c.used})
                if unused:
                    st.caption(
                        _("Kept, but no option bills these codes from your file: {codes}.").format(
                            codes=", ".join(unused)
                        )
                    )
                st.button(
                    _("Apply your file's prices"),
                    key=f"{PAGE}_clinic_apply",
                    type="primary",
                    disabled=not changed,
                    on_click=_apply_clinic_list,
                    args=(overlaid, clinic.name, len(changed)),
                )

# ------------------------------------------------------------------------------------------
# One price at a time (kept separately from the table, as the clinic's price)

with st.container(border=True):
    st.markdown("**" + md(_("Use your own price for an item")) + "**")
    st.caption(_("Kept for this session and used on every page, whichever table is active."))
    widgets.price_override_editor(PAGE, scenario)

st.divider()
widgets.disclaimer()
