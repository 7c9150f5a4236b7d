"""``torchlint init --backend SPEC``: write a PyTorch index configuration that is right everywhere.

Split by job: :mod:`.spec` parses SPEC, :mod:`.host` detects the accelerator for ``auto``,
:mod:`.facts` asks the index layer what each chosen index serves, :mod:`.plan` turns that into
fix-engine operations, and :mod:`.run` applies them (verified, diffed, written atomically) and
checks the result with torchlint's own rules before anything is written.
"""
