"""The Streamlit side of the app: session state, cached engine calls, widgets, share links,
uploads, the handout and the sidebar. Pages (``app_pages/``) import from here; the engine
(``calculator/``) never does."""
