"""The app's pages (Streamlit runs each file as a script through ``st.navigation`` in ``app.py``)."""
