"""Uploads: parsed in memory only, never written to disk or logged; a bad file shows every
problem and changes nothing."""

from __future__ import annotations

import math

import streamlit as st

from calculator.errors import InputError
from calculator.io import price_metadata_from_bytes, price_table_from_bytes, scenario_from_bytes
from calculator.models import PriceTable, Scenario
from ui.i18n import _
from ui.state import notice, restore_scenario, use_price_table

# The same limit as ``server.maxUploadSize`` in .streamlit/config.toml, checked again here.
MAX_UPLOAD_MB = 5
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024


def check_upload_size(size: int, filename: str) -> None:
    """Refuse a file over the upload limit with the loaders' kind of message."""
    if size > MAX_UPLOAD_BYTES:
        shown = math.ceil(size / (1024 * 1024) * 10) / 10
        raise InputError(filename, "", f"a file of at most {MAX_UPLOAD_MB} MB", found_text=f"{shown:.1f} MB")


def price_table_from_upload(data: bytes, filename: str, metadata: tuple[bytes, str] | None = None) -> PriceTable:
    """An uploaded CSV/XLSX price table with its optional TOML metadata, checked (pure)."""
    check_upload_size(len(data), filename)
    meta = None
    if metadata is not None:
        check_upload_size(len(metadata[0]), metadata[1])
        meta = price_metadata_from_bytes(*metadata)
    return price_table_from_bytes(data, filename, meta)


def scenario_from_upload(data: bytes, filename: str) -> Scenario:
    """An uploaded scenario JSON, checked; shipped names and inline data only (pure)."""
    check_upload_size(len(data), filename)
    return scenario_from_bytes(data, filename)


def _uploaded(key: str) -> tuple[bytes, str] | None:
    upload = st.session_state.get(key)
    if upload is None:
        return None
    check_upload_size(upload.size, upload.name)  # before reading it
    return upload.getvalue(), upload.name


def use_uploaded_table(table_key: str, metadata_key: str) -> None:
    """Callback of "Use this table": the upload replaces the table only if all of it is valid."""
    st.session_state["upload_problems"] = None
    try:
        upload = _uploaded(table_key)
        if upload is None:
            return
        table = price_table_from_upload(*upload, metadata=_uploaded(metadata_key))
        use_price_table(table)
    except InputError as error:
        st.session_state["upload_problems"] = error
        return
    st.session_state["data_rev"] += 1
    notice(
        "success",
        _("Now using the price table {table} ({count} items).").format(
            table=_(table.label or table.name), count=len(table.rows)
        ),
    )


def load_uploaded_scenario(key: str) -> None:
    """Callback of "Load this scenario": a bad file shows its message and changes nothing."""
    st.session_state["scenario_problems"] = None
    try:
        upload = _uploaded(key)
        if upload is None:
            return
        scenario = scenario_from_upload(*upload)
    except InputError as error:
        st.session_state["scenario_problems"] = error
        return
    restore_scenario(scenario, _("the file {name}").format(name=upload[1]))
    notice("success", _("Loaded the scenario from {name}.").format(name=upload[1]))
