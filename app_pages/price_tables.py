"""Price tables: the active table with its metadata, sources and evidence."""

import pandas as pd
import streamlit as st

from app_pages import common
from app_pages.common import md
from calculator.errors import CostModelError
from calculator.formatting import format_money
from calculator.models import EVIDENCE_TAGS

PAGE = "price_tables"
MARK = "⚠ assumed/unverified"

st.title("Price tables")

try:
    scenario = common.current_scenario()
except CostModelError as error:
    common.show_error(error)
    st.stop()

table = scenario.prices
currency = table.currency
plan = scenario.insurance
uncovered = set(plan.uncovered_codes) if plan is not None else set()
overrides = dict(scenario.price_overrides)

st.subheader(table.label or table.name, anchor=False)
facts = (
    ("Currency", currency),
    ("Region", table.region or "–"),
    ("Year", table.year or "–"),
    ("Items", f"{len(table.rows)}"),
    ("Schedules", ", ".join(table.schedules)),
)
st.markdown(" · ".join(f"{name}: **{md(value)}**" for name, value in facts))
if table.description:
    st.write(md(table.description))

used_schedule = scenario.schedule if plan is not None else f"{scenario.schedule} (self-pay)"
st.caption(
    md(
        f"The current scenario ({scenario.label or scenario.name}) prices covered care at the {used_schedule} "
        "schedule"
        + (
            f" and what the plan does not cover at the {scenario.uncovered_schedule} schedule."
            if plan is not None
            else "."
        )
    )
)

notes = dict(table.schedule_notes)
st.markdown("**Price schedules**")
st.dataframe(
    pd.DataFrame(
        {
            "Schedule": list(table.schedules),
            "Used now for": [
                ", ".join(
                    what
                    for what, used in (
                        ("covered care", s == scenario.schedule),
                        ("uncovered items", plan is not None and s == scenario.uncovered_schedule and uncovered),
                    )
                    if used
                )
                or "–"
                for s in table.schedules
            ],
            "What it is": [notes.get(s, "") for s in table.schedules],
        }
    ),
    hide_index=True,
    key=f"{PAGE}_schedules",
    column_config={"What it is": st.column_config.TextColumn(width="large")},
)

st.markdown("**Items**")
raw = pd.DataFrame(
    [
        {
            "code": row.code,
            "description": row.description,
            "category": row.category,
            "unit": row.unit,
            **{s: price for s, price in zip(table.schedules, row.prices, strict=True)},
            "your_price": overrides[row.code].value if row.code in overrides else None,
            "covered": "no" if row.code in uncovered else ("yes" if plan is not None else "self-pay"),
            "evidence": row.evidence,
            "as_of": row.as_of,
            "source": row.source,
            "note": row.note,
        }
        for row in table.rows
    ]
)
display = pd.DataFrame(
    {
        "Flag": [MARK if e.upper() in {"U", "A", "M"} else "" for e in raw["evidence"]],
        "Code": raw["code"],
        "Description": raw["description"],
        "Category": raw["category"],
        "Unit": raw["unit"],
        **{
            s.replace("_", " ").capitalize(): [format_money(v, currency, cents=True) for v in raw[s]]
            for s in table.schedules
        },
        "Your price": [format_money(v, currency, cents=True) if pd.notna(v) else "" for v in raw["your_price"]],
        "Covered by the plan": raw["covered"],
        "Evidence": [f"{e} · {EVIDENCE_TAGS[e]}" if e in EVIDENCE_TAGS else (e or "–") for e in raw["evidence"]],
        "As of": raw["as_of"],
        "Source": raw["source"],
        "Note": raw["note"],
    }
)
st.dataframe(
    display,
    hide_index=True,
    key=f"{PAGE}_items",
    column_config={
        "Flag": st.column_config.TextColumn(width="medium"),
        "Description": st.column_config.TextColumn(width="medium"),
        "Source": st.column_config.TextColumn(width="large"),
        "Note": st.column_config.TextColumn(width="large"),
    },
)
st.download_button(
    "Download this price table (CSV)",
    common.frame_csv(raw),
    file_name=f"{table.name or 'prices'}.csv",
    mime="text/csv",
    key=f"{PAGE}_csv",
    on_click="ignore",
    icon=":material/download:",
)
st.caption(
    md(
        "Evidence tags: "
        + "; ".join(f"{tag} = {meaning}" for tag, meaning in EVIDENCE_TAGS.items())
        + f". Rows tagged U, A or M are marked {MARK}."
    )
)

with st.container(border=True):
    st.markdown("**Use your own price for an item**")
    st.caption("Kept for this session and used on every page. Uploading a whole table comes later.")
    common.price_override_editor(PAGE, scenario)

st.divider()
common.disclaimer()
