"""The probe layer: what each routed index really serves.

Submodules are imported explicitly by their users so that importing this package stays cheap:
:mod:`~torchlint.index.urls` and :mod:`~torchlint.index.filenames` are stdlib-only at import
time, and only :mod:`~torchlint.index.client` imports httpx.
"""
